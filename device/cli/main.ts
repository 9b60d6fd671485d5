/**
 * `facegate <command> ...`: dispatches to `device/cli/commands/<command>.ts`. Each command
 * module exports `run(argv, io)`, a one-line `summary`, its `usage` text and, when it has
 * subcommands, their names as `subcommands` (conventions: ./usage.ts). A new command is a
 * new file there: `facegate --help` lists it and the help test covers it. `--help` imports
 * every command module for its summary, so a command imports what only its run needs
 * inside `run` (`await import(...)`): the built CLI then starts in a fraction of the time
 * (`facegate bench cli`).
 *
 * Command modules are found beside this file with its own extension: `.ts` on the
 * sources (tsx, vitest), `.js` in the build (dist/, run by bin/facegate.mjs).
 *
 * Errors print as `facegate <command>: code: message` and map to meaningful exit codes;
 * usage mistakes exit 2 with the nearest valid name and the usage that applies.
 */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { FacegateError } from "../../sdk/errors.js";
import { moduleExt, packageJson } from "../../models/package-root.js";
import { type CliIo, type CommandRun, EXIT, UsageError, exitCodeFor, processIo } from "./cli-io.js";
import { didYouMean } from "./suggest.js";
import { HelpRequested, UsageProblem, isHelpFlag } from "./usage.js";

const here = dirname(fileURLToPath(import.meta.url));
const commandsDir = join(here, "commands");
/** ".ts" when the sources run, ".js" for the build. */
const ext = moduleExt(import.meta.url);

interface CommandModule {
  run: CommandRun;
  summary: string;
  usage?: string;
  subcommands?: readonly string[];
}

function commandNames(): string[] {
  return readdirSync(commandsDir)
    .filter((f) => f.endsWith(ext) && !f.endsWith(".d.ts"))
    .map((f) => f.slice(0, -ext.length))
    .sort();
}

async function loadCommand(name: string): Promise<CommandModule | undefined> {
  if (!/^[a-z][a-z-]*$/.test(name) || !commandNames().includes(name)) return undefined;
  return (await import(pathToFileURL(join(commandsDir, `${name}${ext}`)).href)) as CommandModule;
}

/** The version in package.json: the one `npm install` put there. */
function packageVersion(): string {
  return packageJson().version;
}

const TOP_OPTIONS = ["--help", "-h", "--version", "-V"];

async function topUsage(): Promise<string> {
  const lines = ["usage: facegate <command> [options]", "       facegate --help | --version", "", "commands:"];
  for (const name of commandNames()) lines.push(`  ${name.padEnd(10)} ${(await loadCommand(name))?.summary ?? ""}`);
  lines.push(
    "",
    "'facegate <command> --help' explains a command. Every command that reports results accepts --json.",
    "Exit codes: 0 ok, 1 failed, 2 usage, 3 configuration, 4 models, 5 integrity, 6 keys.",
  );
  return lines.join("\n");
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  let [name, ...rest] = argv;
  if (name === "help") {
    // `facegate help audit verify` is `facegate audit verify --help`.
    if (rest.length === 0) name = "--help";
    else [name, ...rest] = [...rest, "--help"];
  }
  if (name === undefined || isHelpFlag(name)) {
    const text = await topUsage();
    if (name === undefined) {
      io.err(text);
      return EXIT.usage;
    }
    io.out(text);
    return EXIT.ok;
  }
  if (name === "--version" || name === "-V") {
    io.out(`facegate ${packageVersion()}`);
    return EXIT.ok;
  }
  if (name.startsWith("-")) {
    io.err(`facegate: unknown option ${name}${didYouMean(name, TOP_OPTIONS, (n) => n)} (see 'facegate --help')`);
    return EXIT.usage;
  }
  const mod = await loadCommand(name);
  if (!mod) {
    io.err(`facegate: unknown command '${name}'${didYouMean(name, commandNames())} (see 'facegate --help')`);
    return EXIT.usage;
  }
  const fallbackUsage = mod.usage ?? `usage: facegate ${name} ...\n  ${mod.summary}`;
  if (isHelpFlag(rest[0]) && mod.usage) {
    io.out(mod.usage);
    return EXIT.ok;
  }
  try {
    return await mod.run(rest, io);
  } catch (err) {
    if (err instanceof HelpRequested) {
      io.out(err.usage ?? fallbackUsage);
      return EXIT.ok;
    }
    const sub = mod.subcommands?.includes(rest[0] ?? "") ? ` ${rest[0]}` : "";
    if (err instanceof UsageError) {
      const usage = err instanceof UsageProblem ? err.usage : undefined;
      io.err(`facegate ${name}${sub}: ${err.message}\n${usage ?? `(see 'facegate ${name}${sub} --help')`}`);
    } else if (err instanceof FacegateError) {
      io.err(`facegate ${name}: ${err.code}: ${err.message}`);
    } else {
      io.err(`facegate ${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
    return exitCodeFor(err);
  }
}
