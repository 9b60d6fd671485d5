/**
 * The CLI's help conventions, shared by every command (device/cli/commands/*.ts):
 *
 * - A command module exports `run(argv, io)`, a one-line `summary` and its `usage` text;
 *   a command with subcommands also exports `subcommands` (their names), and each
 *   subcommand keeps its own usage text next to its code.
 * - Usage text starts with a `usage: facegate <command> [<subcommand>] ...` line; lines
 *   after it explain. `--help` and `-h` print it on stdout and exit 0, anywhere in the
 *   arguments (parseArgs throws `HelpRequested`, main prints it).
 * - A usage mistake exits 2 with the problem, the nearest valid name when one is near
 *   ("did you mean --json?"), and the usage of the (sub)command it concerns, on stderr.
 */
import type { CliIo, CommandRun } from "./cli-io.js";
import { UsageError } from "./cli-io.js";
import { didYouMean } from "./suggest.js";

export const HELP_FLAGS: readonly string[] = ["--help", "-h"];

export function isHelpFlag(arg: string | undefined): boolean {
  return arg !== undefined && HELP_FLAGS.includes(arg);
}

/**
 * Thrown when `--help` or `-h` is given: not an error, the way out of a command before it
 * does anything. `usage` is the text of the (sub)command that was asked; undefined when
 * the code that noticed has none of its own (main then prints the command's).
 */
export class HelpRequested extends Error {
  constructor(readonly usage: string | undefined) {
    super("help requested");
    this.name = "HelpRequested";
  }
}

/** A usage mistake that knows the usage of the (sub)command it concerns (exit 2). */
export class UsageProblem extends UsageError {
  constructor(
    message: string,
    readonly usage: string | undefined,
  ) {
    super(message);
  }
}

export interface Subcommand {
  usage: string;
  run: CommandRun;
}

/**
 * The usage of a command made of subcommands: a synopsis line, then each subcommand's own
 * usage line (without the `usage: ` prefix), so the texts are written once.
 */
export function commandUsage(command: string, subcommands: Readonly<Record<string, Subcommand>>, notes: readonly string[] = []): string {
  const lines = [`usage: facegate ${command} <${Object.keys(subcommands).join("|")}> [options]`, ""];
  for (const sub of Object.values(subcommands)) lines.push(`  ${sub.usage.split("\n")[0]!.replace(/^usage: /, "")}`);
  lines.push("", ...notes, `'facegate ${command} <subcommand> --help' explains each.`);
  return lines.join("\n");
}

/** Runs the subcommand named by the first argument; `--help`/`-h` there asks for the command's usage. */
export async function dispatch(argv: string[], io: CliIo, subcommands: Readonly<Record<string, Subcommand>>, usage: string): Promise<number> {
  const [name, ...rest] = argv;
  if (isHelpFlag(name)) throw new HelpRequested(usage);
  if (name === undefined || name.startsWith("-")) throw new UsageProblem(name === undefined ? "a subcommand is required" : `a subcommand must come first (got ${name})`, usage);
  const sub = Object.hasOwn(subcommands, name) ? subcommands[name] : undefined;
  if (!sub) throw new UsageProblem(`unknown subcommand '${name}'${didYouMean(name, Object.keys(subcommands))}`, usage);
  return sub.run(rest, io);
}
