/**
 * A gate subscribes to its command topic just after it connects; a command sent before
 * that finds no subscriber and times out. Right after a gate (re)starts, ask again (each
 * ask builds a new command, so a new id) until an answer arrives, at most `attempts` times.
 */
import { TransportError } from "../errors.js";
import type { CommandResultMessage, CommandType } from "../protocol/index.js";

export async function untilAnswered<T extends CommandType>(
  ask: () => Promise<CommandResultMessage<T>>,
  options: { attempts?: number; pauseMs?: number } = {},
): Promise<NonNullable<CommandResultMessage<T>["result"]>> {
  const attempts = options.attempts ?? 10;
  for (let i = 1; ; i++) {
    try {
      const r = await ask();
      if (r.status === "ok" && r.result !== undefined) return r.result;
      throw new TransportError("command_refused", `answered ${r.error?.code}: ${r.error?.message}`);
    } catch (err) {
      if (i >= attempts) throw err;
      if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
    }
  }
}
