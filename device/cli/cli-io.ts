/**
 * What a subcommand gets: its arguments, where to print, and the environment. Passing
 * these in (instead of reading process globals) lets tests run subcommands in-process.
 */
import { FacegateError } from "../../sdk/errors.js";

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

export class UsageError extends FacegateError {
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

export function exitCodeFor(err: unknown): number {
  if (!(err instanceof FacegateError)) return EXIT.failure;
  if (err instanceof UsageError) return EXIT.usage;
  switch (err.code) {
    case "config_invalid":
      return EXIT.config;
    case "model_invalid":
      return EXIT.model;
    default:
      if (err.code.startsWith("integrity") || err.code.startsWith("tamper") || err.code === "store_corrupt") return EXIT.integrity;
      if (err.code.startsWith("key")) return EXIT.key;
      return EXIT.failure;
  }
}
