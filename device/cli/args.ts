/**
 * A small, strict argument parser: `--name value` (or `--name=value`), `--flag`,
 * positionals. Unknown options are refused with a usage error naming the nearest valid
 * one, rather than silently ignored. `--help` and `-h` anywhere ask for the usage given
 * in the spec (`HelpRequested`), even next to a mistake: someone asking for help gets it.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { didYouMean } from "./suggest.js";
import { HelpRequested, UsageProblem, isHelpFlag } from "./usage.js";

export interface ArgSpec {
  /** Options that take a value. */
  values?: readonly string[];
  /** Options that are booleans. */
  flags?: readonly string[];
  /** The usage text of this (sub)command: printed for --help and after a usage mistake. */
  usage?: string;
}

export interface ParsedArgs {
  values: Record<string, string>;
  flags: Set<string>;
  positionals: string[];
  /** The spec's usage, for the checks made after parsing (requireValue, intValue). */
  usage?: string;
}

export function parseArgs(argv: string[], spec: ArgSpec): ParsedArgs {
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  const positionals: string[] = [];
  const valueNames = new Set(spec.values ?? []);
  const flagNames = new Set([...(spec.flags ?? []), "json"]);
  let problem: string | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (isHelpFlag(arg)) {
      help = true;
      continue;
    }
    if (!arg.startsWith("--")) {
      if (/^-[A-Za-z]/.test(arg)) problem ??= `unknown option ${arg} (options are spelled out: --name; -h is help)`;
      else positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (valueNames.has(name)) {
      // `--out --help` asks for help; it does not name a file "--help".
      const value = eq === -1 ? (isHelpFlag(argv[i + 1]) ? undefined : argv[++i]) : arg.slice(eq + 1);
      if (value === undefined || value === "") problem ??= `--${name} needs a value`;
      else values[name] = value;
    } else if (flagNames.has(name)) {
      if (eq !== -1) problem ??= `--${name} takes no value`;
      flags.add(name);
    } else {
      problem ??= `unknown option --${name}${didYouMean(name, [...valueNames, ...flagNames, "help"], (n) => `--${n}`)}`;
    }
  }
  if (help) throw new HelpRequested(spec.usage);
  if (problem !== undefined) throw new UsageProblem(problem, spec.usage);
  return { values, flags, positionals, ...(spec.usage !== undefined ? { usage: spec.usage } : {}) };
}

export function requireValue(args: ParsedArgs, name: string): string {
  const v = args.values[name];
  if (v === undefined) throw new UsageProblem(`--${name} is required`, args.usage);
  return v;
}

export function intValue(args: ParsedArgs, name: string, fallback: number, min = 1): number {
  const raw = args.values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new UsageProblem(`--${name} must be an integer of at least ${min}`, args.usage);
  return n;
}

/** Positionals beyond those a (sub)command takes are a mistake, not something to ignore. */
export function positionals(args: ParsedArgs, names: readonly string[], optional = 0): string[] {
  const required = names.length - optional;
  if (args.positionals.length < required) throw new UsageProblem(`${names[args.positionals.length]} is required`, args.usage);
  if (args.positionals.length > names.length) throw new UsageProblem(`unexpected argument '${args.positionals[names.length]}'`, args.usage);
  return args.positionals;
}

/** The JSON document a FILE argument names (`what` says what it should be); a usage mistake otherwise. */
export function jsonFileArg(args: ParsedArgs, cwd: string, file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(resolve(cwd, file), "utf8"));
  } catch (err) {
    throw new UsageProblem(`${file}: cannot read ${what} (${(err as Error).message})`, args.usage);
  }
}
