/**
 * The CLI's conventions, over every command found in device/cli/commands/ (so a command
 * added later is covered without touching this file): `--help` and `-h` on every command
 * and subcommand print a `usage:` line on stdout and exit 0, without doing anything else;
 * `--version`; usage mistakes exit 2 and name the nearest valid command, subcommand or
 * option.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import type { CliIo } from "../../../device/cli/cli-io.js";
import { main } from "../../../device/cli/main.js";
import { editDistance, nearest } from "../../../device/cli/suggest.js";
import { repoRoot } from "../../support/faces.js";

function io(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), env: {}, cwd: repoRoot };
}

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const a = io();
  const code = await main(argv, a);
  return { code, stdout: a.stdout.join("\n"), stderr: a.stderr.join("\n") };
}

const commandsDir = join(repoRoot, "device", "cli", "commands");
const commands = readdirSync(commandsDir)
  .filter((f) => f.endsWith(".ts"))
  .map((f) => f.slice(0, -3))
  .sort();

interface CommandModule {
  run?: unknown;
  summary?: unknown;
  usage?: unknown;
  subcommands?: readonly string[];
}
const modules = new Map<string, CommandModule>();
for (const name of commands) modules.set(name, (await import(pathToFileURL(join(commandsDir, `${name}.ts`)).href)) as CommandModule);

/** Every (command, subcommand) pair, subcommand "" for the command itself. */
const targets = commands.flatMap((c) => [[c, ""] as const, ...(modules.get(c)!.subcommands ?? []).map((s) => [c, s] as const)]);

const usageLine = (command: string, sub: string) => new RegExp(`^usage: facegate ${command}${sub ? ` ${sub}` : ""}( |$)`, "m");

describe("facegate --help conventions", () => {
  it("finds the commands in device/cli/commands, each exporting run, summary and usage", () => {
    expect(commands).toEqual(expect.arrayContaining(["audit", "bench", "demo", "device", "models", "operator", "receipt", "simulate"]));
    for (const [name, mod] of modules) {
      expect(typeof mod.run, name).toBe("function");
      expect(typeof mod.summary, name).toBe("string");
      expect(mod.usage, name).toMatch(usageLine(name, ""));
    }
    expect(targets.length).toBeGreaterThan(commands.length + 10);
  });

  it.each(targets)("facegate %s %s --help and -h print its usage on stdout and exit 0", async (command, sub) => {
    for (const flag of ["--help", "-h"]) {
      const r = await cli(command, ...(sub ? [sub] : []), flag);
      expect(r.code, `${command} ${sub} ${flag}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(usageLine(command, sub));
      expect(r.stdout).not.toMatch(/usage: usage/);
      expect(r.stderr).toBe("");
    }
  });

  it("gives help even next to a mistake, and through 'facegate help ...'", async () => {
    const r = await cli("audit", "verify", "--bogus", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(usageLine("audit", "verify"));
    const v = await cli("operator", "keygen", "--out", "--help");
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(usageLine("operator", "keygen"));
    const h = await cli("help", "receipt", "verify");
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(usageLine("receipt", "verify"));
  });

  it("facegate --help, -h and help list every command; no arguments is a usage error on stderr", async () => {
    for (const flag of ["--help", "-h", "help"]) {
      const r = await cli(flag);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^usage: facegate <command>/m);
      for (const name of commands) expect(r.stdout).toMatch(new RegExp(`^  ${name} `, "m"));
    }
    const none = await cli();
    expect(none.code).toBe(2);
    expect(none.stdout).toBe("");
    expect(none.stderr).toMatch(/^usage: facegate <command>/m);
  });

  it("--version and -V print the package version", async () => {
    const { version } = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string };
    for (const flag of ["--version", "-V"]) {
      const r = await cli(flag);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`facegate ${version}`);
    }
  });
});

describe("usage mistakes", () => {
  it("an unknown command exits 2 and names the nearest one", async () => {
    const r = await cli("demoo");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'demoo'; did you mean 'demo'\?/);
    const far = await cli("frobnicate");
    expect(far.code).toBe(2);
    expect(far.stderr).toMatch(/unknown command 'frobnicate' \(see 'facegate --help'\)/);
    expect((await cli("--vresion")).stderr).toMatch(/did you mean --version\?/);
  });

  it("an unknown subcommand exits 2, names the nearest one and shows the command's usage", async () => {
    const r = await cli("audit", "verfiy", "x.json");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown subcommand 'verfiy'; did you mean 'verify'\?/);
    expect(r.stderr).toMatch(usageLine("audit", ""));
    expect((await cli("operator", "stauts")).stderr).toMatch(/did you mean 'status'\?/);
    expect((await cli("bench", "serch")).stderr).toMatch(/did you mean 'search'\?/);
  });

  it("an unknown option exits 2, names the nearest one and shows the subcommand's usage", async () => {
    const r = await cli("models", "verify", "--jsno");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option --jsno; did you mean --json\?/);
    expect(r.stderr).toMatch(usageLine("models", "verify"));
    expect((await cli("operator", "status", "--devise-key", "k")).stderr).toMatch(/did you mean --device-key\?/);
    expect((await cli("demo", "-j")).stderr).toMatch(/unknown option -j/);
  });

  it("a missing argument says what is missing, then the usage once (not 'usage: usage:')", async () => {
    const r = await cli("audit", "verify", "--device-key", "x");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^facegate audit verify: FILE is required$/m);
    expect(r.stderr.match(/usage:/g)).toHaveLength(1);
    const extra = await cli("receipt", "verify", "a.json", "b.json", "--device-key", "x");
    expect(extra.code).toBe(2);
    expect(extra.stderr).toMatch(/unexpected argument 'b\.json'/);
  });
});

describe("nearest name", () => {
  it("counts a swap of neighbouring letters as one edit", () => {
    expect(editDistance("verfiy", "verify")).toBe(1);
    expect(editDistance("json", "json")).toBe(0);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("kitten", "sitting")).toBe(3);
  });

  it("suggests only what is near enough, or the one name a prefix begins", () => {
    expect(nearest("jsn", ["json", "out"])).toBe("json");
    expect(nearest("xyz", ["json", "out"])).toBeUndefined();
    expect(nearest("device", ["device-key", "db"])).toBe("device-key");
    expect(nearest("dev", ["device-key", "devices"])).toBeUndefined();
  });
});
