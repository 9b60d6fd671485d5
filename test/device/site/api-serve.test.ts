/**
 * The HTTP API as `facegate site serve` runs it: `facegate site operator add` creates
 * operators with the password from a file or from stdin (never argv) and their own command
 * key; the served API (configured `http`, default host 127.0.0.1) logs them in over a real
 * socket; the gates listed in the configuration get every operator's key when the service
 * pins them, so a resident registered through the API is applied at each gate under the
 * operator's key id (the gate's audit log names it, L12). SIGTERM stops API and service.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIo } from "../../../device/cli/cli-io.js";
import { main } from "../../../device/cli/main.js";
import { startTestBroker, type TestBroker } from "../../support/broker.js";
import { cliArgs } from "../../support/cli-process.js";
import { type SiteHarness, startSiteHarness } from "../../support/site-harness.js";
import { writeSiteConfig } from "../../support/site-serve-process.js";

async function cli(cwd: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: CliIo = { out: (t) => stdout.push(t), err: (t) => stderr.push(t), env: {}, cwd };
  const code = await main(argv, io);
  return { code, stdout: stdout.join("\n"), stderr: stderr.join("\n") };
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs the CLI as a child with `input` on its stdin. */
function cliWithStdin(cwd: string, input: string, argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, cliArgs(argv), { cwd, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    c.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    c.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    c.on("error", reject);
    c.on("exit", (code) => resolve({ code, stdout, stderr }));
    c.stdin.end(input);
  });
}

let broker: TestBroker;
let site: SiteHarness;
let dir: string;
let child: ChildProcess | undefined;

beforeAll(async () => {
  broker = await startTestBroker();
  site = await startSiteHarness({ broker, gateIds: ["north", "south"], pipeline: null, start: Date.now() });
  dir = mkdtempSync(join(tmpdir(), "fg-site-api-"));
  writeSiteConfig(dir, { site, broker, extra: { retrySeconds: 1, http: { port: 0 } } });
  writeFileSync(join(dir, "desk.pw"), "desk-password-1\n", { mode: 0o600 });
}, 60_000);
afterAll(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  await site?.close();
  await broker?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("facegate site operator add and the served API", () => {
  it("adds operators with the password from a file or stdin, never argv", async () => {
    const argvPassword = await cli(dir, "site", "operator", "add", "--config", "site.json", "--name", "desk", "--role", "operator", "--password", "desk-password-1");
    expect(argvPassword.code).toBe(2);
    expect(argvPassword.stderr + argvPassword.stdout).toMatch(/--password-file or stdin/);
    const badRole = await cli(dir, "site", "operator", "add", "--config", "site.json", "--name", "desk", "--role", "boss", "--password-file", "desk.pw");
    expect(badRole.code).toBe(2);

    const added = await cli(dir, "site", "operator", "add", "--config", "site.json", "--name", "desk", "--role", "operator", "--password-file", "desk.pw", "--json");
    expect(added.code, added.stderr).toBe(0);
    const desk = JSON.parse(added.stdout) as { id: string; keyId: string; role: string; queuedFor: string[] };
    expect(desk).toMatchObject({ role: "operator", queuedFor: [] });
    expect(desk.keyId).toMatch(/^[0-9a-f]{32}$/);
    expect(added.stdout).not.toContain("desk-password-1");

    const fromStdin = await cliWithStdin(dir, "auditor-password-1\n", ["site", "operator", "add", "--config", "site.json", "--name", "watch", "--role", "auditor", "--json"]);
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    const taken = await cli(dir, "site", "operator", "add", "--config", "site.json", "--name", "desk", "--role", "operator", "--password-file", "desk.pw");
    expect(taken.code).not.toBe(0);
    expect(taken.stderr + taken.stdout).toMatch(/already exists/);

    const list = await cli(dir, "site", "operator", "list", "--config", "site.json", "--json");
    expect((JSON.parse(list.stdout) as { operators: Array<{ name: string; role: string; keyId: string }> }).operators.map((o) => [o.name, o.role]).sort()).toEqual([["desk", "operator"], ["watch", "auditor"]]);
  });

  it("serves the API on 127.0.0.1: the operator logs in, registers a resident, and each gate applies it under the operator's key", async () => {
    const ops = (JSON.parse((await cli(dir, "site", "operator", "list", "--config", "site.json", "--json")).stdout) as { operators: Array<{ name: string; keyId: string }> }).operators;
    const deskKey = ops.find((o) => o.name === "desk")!.keyId;
    child = spawn(process.execPath, cliArgs(["site", "serve", "--config", join(dir, "site.json")]), { stdio: ["ignore", "pipe", "pipe"], cwd: dir });
    let output = "";
    child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    const exit = new Promise<number | null>((r) => child!.on("exit", (code) => r(code)));
    const base = await until("the API address", () => /site API on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1], 30_000);

    // Both gates were pinned at start and got both operators' keys from the site's admin key.
    for (const g of site.gates) {
      await until(`desk's key at ${g.gateId}`, () => g.sim.runtime.store.audit.entries().some((e) => e.type === "operator.key_added" && e.subject === deskKey && e.actor === site.admin.keyId));
    }
    const wrong = await fetch(`${base}/api/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "desk", password: "nope-nope-nope" }) });
    expect(wrong.status).toBe(401);
    const login = await fetch(`${base}/api/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "desk", password: "desk-password-1" }) });
    expect(login.status).toBe(200);
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    const gates = (await (await fetch(`${base}/api/gates`, { headers: { cookie } })).json()) as { gates: Array<{ gateId: string }> };
    expect(gates.gates.map((g) => g.gateId).sort()).toEqual(["north", "south"]);
    const reg = await fetch(`${base}/api/people`, { method: "POST", headers: { cookie, "content-type": "application/json" }, body: JSON.stringify({ subject: "r-42", cards: ["0042424242"], rights: { gates: ["north", "south"] } }) });
    const regText = await reg.text();
    expect(reg.status, regText).toBe(201);
    expect(regText).not.toContain("0042424242");
    expect((JSON.parse(regText) as { signed: Array<{ keyId: string }> }).signed[0]!.keyId).toBe(deskKey);
    for (const g of site.gates) {
      await until(`the resident at ${g.gateId} under desk's key`, () =>
        g.sim.runtime.store.audit.entries().some((e) => e.actor === deskKey && (e.details as { commandType?: string }).commandType === "person.upsert" && (e.details as { status?: string }).status !== "error"),
      );
    }
    const doc = (await (await fetch(`${base}/api/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain("/api/people");

    child.kill("SIGTERM");
    expect(await exit).toBe(0);
    expect(output).toMatch(/site stopped/);
    await expect(fetch(`${base}/api/openapi.json`)).rejects.toThrow();
  }, 90_000);
});
