/**
 * `facegate <command> ...`: dispatches to `device/cli/commands/<command>.ts`, each of
 * which exports `run(argv, io)` and `summary`. Errors print as `code: message` and map to
 * meaningful exit codes.
 */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { FacegateError } from "../../sdk/errors.js";
import { type CliIo, type CommandRun, EXIT, exitCodeFor, processIo } from "./cli-io.js";

const commandsDir = join(dirname(fileURLToPath(import.meta.url)), "commands");

interface CommandModule {
  run: CommandRun;
  summary: string;
}

function commandNames(): string[] {
  return readdirSync(commandsDir)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .map((f) => f.slice(0, -3))
    .sort();
}

async function loadCommand(name: string): Promise<CommandModule | undefined> {
  if (!/^[a-z][a-z-]*$/.test(name) || !commandNames().includes(name)) return undefined;
  return (await import(pathToFileURL(join(commandsDir, `${name}.ts`)).href)) as CommandModule;
}

async function usage(io: CliIo): Promise<void> {
  const lines = ["usage: facegate <command> [options]", "", "commands:"];
  for (const name of commandNames()) {
    const mod = await loadCommand(name);
    lines.push(`  ${name.padEnd(10)} ${mod?.summary ?? ""}`);
  }
  lines.push("", "Every command that reports results accepts --json.");
  io.out(lines.join("\n"));
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "help") {
    await usage(io);
    return name ? EXIT.ok : EXIT.usage;
  }
  const mod = await loadCommand(name);
  if (!mod) {
    io.err(`facegate: unknown command '${name}' (see 'facegate --help')`);
    return EXIT.usage;
  }
  try {
    return await mod.run(rest, io);
  } catch (err) {
    if (err instanceof FacegateError) {
      io.err(`facegate ${name}: ${err.code}: ${err.message}`);
    } else {
      io.err(`facegate ${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
    return exitCodeFor(err);
  }
}
