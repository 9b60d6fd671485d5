/**
 * A small, strict argument parser: `--name value`, `--flag`, positionals. Unknown
 * options are refused with a usage error rather than silently ignored.
 */
import { UsageError } from "./cli-io.js";

export interface ArgSpec {
  /** Options that take a value. */
  values?: readonly string[];
  /** Options that are booleans. */
  flags?: readonly string[];
}

export interface ParsedArgs {
  values: Record<string, string>;
  flags: Set<string>;
  positionals: string[];
}

export function parseArgs(argv: string[], spec: ArgSpec): ParsedArgs {
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  const positionals: string[] = [];
  const valueNames = new Set(spec.values ?? []);
  const flagNames = new Set([...(spec.flags ?? []), "json", "help"]);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (valueNames.has(name)) {
      const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined || value === "") throw new UsageError(`--${name} needs a value`);
      values[name] = value;
    } else if (flagNames.has(name)) {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      flags.add(name);
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return { values, flags, positionals };
}

export function requireValue(args: ParsedArgs, name: string): string {
  const v = args.values[name];
  if (v === undefined) throw new UsageError(`--${name} is required`);
  return v;
}

export function intValue(args: ParsedArgs, name: string, fallback: number, min = 1): number {
  const raw = args.values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer of at least ${min}`);
  return n;
}
