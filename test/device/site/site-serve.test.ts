/**
 * `facegate site serve --config site.json` as the office runs it: a child process on the
 * system clock, a SQLite database, the operator, site and data key files, two real gate
 * runtimes on a real broker listed in the configuration with their keys. `site gates`
 * shows them online; `site delete` writes a request that the running service sends to
 * both gates; `site deletions` shows it complete with a certificate that
 * `site verify-certificate` accepts; SIGTERM stops the service cleanly (exit 0). Bad
 * configurations exit 3 and name the field.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIo } from "../../../device/cli/cli-io.js";
import { main } from "../../../device/cli/main.js";
import { readDataKeyFile } from "../../../device/site/data-key-file.js";
import { createLogger } from "../../../sdk/log/logger.js";
import { openSiteStore } from "../../../sdk/site/store/open-site-store.js";
import { systemClock } from "../../../sdk/time/clock.js";
import { startTestBroker, type TestBroker } from "../../support/broker.js";
import { cliArgs } from "../../support/cli-process.js";
import { type SiteHarness, startSiteHarness } from "../../support/site-harness.js";
import { writeSiteConfig } from "../../support/site-serve-process.js";

function io(cwd: string): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), env: {}, cwd };
}

async function cli(cwd: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const a = io(cwd);
  const code = await main(argv, a);
  return { code, stdout: a.stdout.join("\n"), stderr: a.stderr.join("\n") };
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

let broker: TestBroker;
let site: SiteHarness;
let dir: string;
let child: ChildProcess | undefined;
let output = "";

beforeAll(async () => {
  broker = await startTestBroker();
  site = await startSiteHarness({ broker, gateIds: ["north", "south"], pipeline: null, start: Date.now() });
  dir = mkdtempSync(join(tmpdir(), "fg-site-serve-"));
  expect((await cli(dir, "site", "keygen", "--out", "site.key")).code).toBe(0);
  writeSiteConfig(dir, { site, broker, groups: ["Estate"], extra: { siteKeyFile: "site.key", retrySeconds: 1 } });
}, 60_000);
afterAll(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  await site?.close();
  await broker?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("facegate site serve", () => {
  it("checks the configuration and names the field that is wrong (exit 3)", async () => {
    expect(await cli(dir, "site", "serve", "--config", "site.json", "--check", "--json")).toMatchObject({ code: 0, stdout: JSON.stringify({ ok: true, site: site.site, gates: 2 }) });
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ version: 1, site: { id: "Estate 7!", processorId: "p" }, database: "x.db", dataKeyFile: "k", operatorKeyFile: "o", mqtt: { url: "mqtt://h" } }));
    const bad = await cli(dir, "site", "serve", "--config", "bad.json", "--check");
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/site\.id/);
  });

  it("runs the site: gates online, a deletion at every gate with a verified certificate, SIGTERM stops it", async () => {
    child = spawn(process.execPath, cliArgs(["site", "serve", "--config", join(dir, "site.json")]), { stdio: ["ignore", "pipe", "pipe"], cwd: dir });
    child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    const exit = new Promise<number | null>((resolve) => child!.on("exit", (code) => resolve(code)));
    await until("running", () => /running/.test(output) || child!.exitCode !== null);
    expect(output).toMatch(/site .* running/);

    const gates = await until("both gates online", async () => {
      const r = await cli(dir, "site", "gates", "--config", "site.json", "--json");
      const parsed = JSON.parse(r.stdout) as { gates: Array<{ gateId: string; online: boolean }> };
      return parsed.gates.length === 2 && parsed.gates.every((g) => g.online) ? parsed.gates : undefined;
    });
    expect(gates.map((g) => g.gateId).sort()).toEqual(["north", "south"]);

    // The resident as the office registered them (the HTTP API will do this): written to the same database.
    const store = await openSiteStore({ path: join(dir, "site.db"), clock: systemClock, logger: createLogger({ sink: () => {}, level: "error" }), dataKey: readDataKeyFile(join(dir, "keys", "data.key")) });
    await store.putPerson({ subjectRef: "r-77", label: "Flat 7", cards: ["C0FFEE0077"], rights: { gates: [], groups: ["Estate"] } });
    await store.close();
    const people = await cli(dir, "site", "people", "--config", "site.json", "--json");
    expect(people.stdout).not.toContain("C0FFEE0077");
    expect(JSON.parse(people.stdout)).toMatchObject({ people: [{ subjectRef: "r-77", cardCount: 1, hasPin: false }] });

    const del = await cli(dir, "site", "delete", "--config", "site.json", "--subject", "r-77", "--reason", "end_of_tenancy", "--json");
    expect(del.code, del.stderr).toBe(0);
    const requestId = (JSON.parse(del.stdout) as { id: string }).id;
    const done = await until("the certificate", async () => {
      const r = await cli(dir, "site", "deletions", "--config", "site.json", "--json");
      const d = (JSON.parse(r.stdout) as { deletions: Array<{ id: string; state: string; receipts: number; certificate: boolean }> }).deletions.find((x) => x.id === requestId);
      return d?.state === "complete" ? d : undefined;
    });
    expect(done).toMatchObject({ receipts: 2, certificate: true });
    for (const g of site.gates) expect(g.sim.events.events.some((e) => e.type === "privacy.deletion" || e.type.startsWith("deletion"))).toBe(true);

    // The certificate, out of the database, verifies offline with the site key.
    const store2 = await openSiteStore({ path: join(dir, "site.db"), clock: systemClock, logger: createLogger({ sink: () => {}, level: "error" }), dataKey: readDataKeyFile(join(dir, "keys", "data.key")) });
    const certificate = (await store2.getDeletionRequest(requestId))!.certificate!;
    await store2.close();
    writeFileSync(join(dir, "cert.json"), certificate);
    const keyInfo = JSON.parse((await import("node:fs")).readFileSync(join(dir, "site.key"), "utf8")) as { publicKey: string };
    const verified = await cli(dir, "site", "verify-certificate", "cert.json", "--site-key", keyInfo.publicKey, "--json");
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);

    child.kill("SIGTERM");
    expect(await exit).toBe(0);
    expect(output).toMatch(/site stopped/);
  }, 90_000);
});
