/** What a command handler is given and must do; handlers are registered with the CommandProcessor. */
import type { CommandBodies, CommandResults, CommandType, OperatorRole } from "../protocol/index.js";

export interface CommandContext {
  commandId: string;
  type: CommandType;
  /** The operator key that signed; name it in the handler's own audit entries (L12). */
  keyId: string;
  role: OperatorRole;
  issuedAt: number;
  /** Device time when the command was accepted. */
  now: number;
}

export interface CommandHandler<T extends CommandType> {
  /**
   * Checks beyond the contract's body validator (e.g. the policy schema); throw CommandError.
   * Pure: admission (admission.ts) runs it while deciding, once the sender is authenticated.
   */
  validate?(body: CommandBodies[T]): void;
  /**
   * Does the work. Throw a FacegateError to answer with its code and message. Handlers
   * that can be interrupted (device killed mid-way) must be safe to run again for the same
   * `ctx.commandId`: an interrupted command is answered `command_interrupted` and the
   * operator re-issues it with a new id.
   */
  handle(body: CommandBodies[T], ctx: CommandContext): CommandResults[T] | Promise<CommandResults[T]>;
}
