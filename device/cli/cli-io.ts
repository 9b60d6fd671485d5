/**
 * What a subcommand gets: its arguments, where to print, and the environment. Passing
 * these in (instead of reading process globals) lets tests run subcommands in-process.
 */
import { ConfigError, CorruptStoreError, FacegateError, IntegrityError, KeyError, ModelError, VerificationError } from "../../sdk/errors.js";

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  cwd: string;
}

export type CommandRun = (argv: string[], io: CliIo) => Promise<number>;

/** Exit codes that mean something to scripts. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  config: 3,
  model: 4,
  integrity: 5,
  key: 6,
} as const;

/** A command line that cannot be run as given: exit 2. */
export class UsageError extends FacegateError<"usage"> {
  constructor(message: string) {
    super("usage", message);
  }
}

export function processIo(): CliIo {
  return {
    out: (t) => process.stdout.write(t.endsWith("\n") ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith("\n") ? t : `${t}\n`),
    env: process.env,
    cwd: process.cwd(),
  };
}

/**
 * The exit code of a failed subcommand, by the error's class (never by its code or
 * message): subclasses inherit their parent's exit code (a FaceOnlyError is a
 * configuration error, 3).
 */
const EXIT_BY_CLASS: ReadonlyArray<readonly [abstract new (...args: never[]) => FacegateError, number]> = [
  [UsageError, EXIT.usage],
  [ConfigError, EXIT.config],
  [ModelError, EXIT.model],
  // Tampering, a corrupt database, a receipt or audit export that does not verify.
  [IntegrityError, EXIT.integrity],
  [CorruptStoreError, EXIT.integrity],
  [VerificationError, EXIT.integrity],
  [KeyError, EXIT.key],
];

export function exitCodeFor(err: unknown): number {
  for (const [errorClass, code] of EXIT_BY_CLASS) if (err instanceof errorClass) return code;
  return EXIT.failure;
}
