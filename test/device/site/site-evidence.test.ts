/**
 * `facegate site audit` and `facegate site evidence` as child processes beside a running
 * `facegate site serve` (issue 13 items 5 and 7): the service collects both gates' audit
 * logs every second; `site audit --json` shows each chain checked; a deletion's evidence
 * bundle (`site evidence --json`, `--out`) verifies offline with the site key and holds
 * no card number; a gate whose log is edited on its disk shows BROKEN with exit 1.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../device/cli/main.js";
import type { CliIo } from "../../../device/cli/cli-io.js";
import { readDataKeyFile } from "../../../device/site/data-key-file.js";
import { createLogger } from "../../../sdk/log/logger.js";
import { fromBase64 } from "../../../sdk/protocol/index.js";
import { verifyEvidenceBundle } from "../../../sdk/site/service/verify-evidence-bundle.js";
import { openSiteStore } from "../../../sdk/site/store/open-site-store.js";
import { systemClock } from "../../../sdk/time/clock.js";
import { startTestBroker, type TestBroker } from "../../support/broker.js";
import { cliArgs } from "../../support/cli-process.js";
import { type SiteHarness, startSiteHarness } from "../../support/site-harness.js";
import { writeSiteConfig } from "../../support/site-serve-process.js";

const run = promisify(execFile);

async function facegate(cwd: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, cliArgs(argv), { cwd, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 40_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

type AuditJson = { gates: Array<{ gateId: string; state: string; lastSequence: number; brokenDetail: string | null; alarm: boolean }>; alarms: number };

let broker: TestBroker;
let site: SiteHarness;
let dir: string;
let child: ChildProcess | undefined;
let output = "";

beforeAll(async () => {
  broker = await startTestBroker();
  site = await startSiteHarness({ broker, gateIds: ["north", "south"], pipeline: null, start: Date.now() });
  dir = mkdtempSync(join(tmpdir(), "fg-site-evidence-"));
  const a: CliIo = { out: () => {}, err: () => {}, env: {}, cwd: dir };
  expect(await main(["site", "keygen", "--out", "site.key"], a)).toBe(0);
  writeSiteConfig(dir, { site, broker, groups: ["Estate"], extra: { siteKeyFile: "site.key", retrySeconds: 1, auditSeconds: 1 } });
}, 60_000);
afterAll(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  await site?.close();
  await broker?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("facegate site audit / site evidence", () => {
  it("shows each gate's chain checked, exports a bundle that verifies offline, and shows a tampered gate BROKEN (exit 1)", async () => {
    child = spawn(process.execPath, cliArgs(["site", "serve", "--config", join(dir, "site.json")]), { stdio: ["ignore", "pipe", "pipe"], cwd: dir });
    child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    const exit = new Promise<number | null>((resolve) => child!.on("exit", (code) => resolve(code)));
    await until("running", () => /running/.test(output) || child!.exitCode !== null);

    const store = await openSiteStore({ path: join(dir, "site.db"), clock: systemClock, logger: createLogger({ sink: () => {}, level: "error" }), dataKey: readDataKeyFile(join(dir, "keys", "data.key")) });
    await store.putPerson({ subjectRef: "r-88", label: "Flat 8", cards: ["C0FFEE0088"], pin: "640213", rights: { gates: [], groups: ["Estate"] } });
    await store.close();
    const del = await facegate(dir, "site", "delete", "--config", "site.json", "--subject", "r-88", "--reason", "end_of_tenancy", "--json");
    expect(del.code, del.stderr).toBe(0);
    await until("the certificate", async () => {
      const r = await facegate(dir, "site", "deletions", "--config", "site.json", "--json");
      return (JSON.parse(r.stdout) as { deletions: Array<{ state: string }> }).deletions[0]?.state === "complete" ? true : undefined;
    });
    // Collected past the deletion at both gates (the receipts' audit entries are in the chain).
    const deletedAt = new Map(site.gates.map((g) => [g.gateId, g.sim.runtime.store.audit.entries().filter((e) => e.subject === "r-88").at(-1)!.seq]));
    const audit = await until("both chains checked past the deletion", async () => {
      const r = await facegate(dir, "site", "audit", "--config", "site.json", "--json");
      const j = JSON.parse(r.stdout) as AuditJson;
      return r.code === 0 && j.gates.length === 2 && j.gates.every((g) => g.state === "ok" && g.lastSequence >= deletedAt.get(g.gateId)!) ? j : undefined;
    });
    expect(audit.alarms).toBe(0);

    const keyInfo = JSON.parse(readFileSync(join(dir, "site.key"), "utf8")) as { publicKey: string };
    const printed = await facegate(dir, "site", "evidence", "--config", "site.json", "--subject", "r-88", "--json");
    expect(printed.code, printed.stderr).toBe(0);
    const bundle = JSON.parse(printed.stdout) as unknown;
    const v = await verifyEvidenceBundle(bundle, { siteKey: fromBase64(keyInfo.publicKey)! });
    expect(v.problems).toEqual([]);
    expect(v.checked).toMatchObject({ receipts: 2, certificates: 1 });
    expect(v.checked.auditEntries).toBeGreaterThan(0);
    expect(printed.stdout).not.toContain("C0FFEE0088");
    expect(printed.stdout).not.toContain("640213");

    const written = await facegate(dir, "site", "evidence", "--config", "site.json", "--subject", "r-88", "--out", "r-88.json", "--json");
    expect(written.code, written.stderr).toBe(0);
    expect(JSON.parse(written.stdout)).toMatchObject({ file: "r-88.json", receipts: 2, certificates: 1, signed: true });
    expect(statSync(join(dir, "r-88.json")).mode & 0o077).toBe(0);
    expect((await verifyEvidenceBundle(JSON.parse(readFileSync(join(dir, "r-88.json"), "utf8")), { siteKey: fromBase64(keyInfo.publicKey)! })).ok).toBe(true);
    expect((await facegate(dir, "site", "evidence", "--config", "site.json", "--subject", "r-nobody")).code).not.toBe(0);

    // Someone edits the south gate's log on its disk, past what the office has checked.
    const south = site.gate("south").sim.runtime.store.db;
    for (const t of south.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_entries'").all()) south.exec(`DROP TRIGGER ${t.name}`);
    const broken = await until("south broken", async () => {
      const r = await facegate(dir, "site", "audit", "--config", "site.json", "--gate", "south", "--json");
      const j = JSON.parse(r.stdout) as AuditJson;
      if (j.gates[0]!.state === "broken") return { ...r, j };
      south.prepare("UPDATE audit_entries SET details = ? WHERE seq > ?").run(JSON.stringify({ edited: true }), j.gates[0]!.lastSequence);
      return undefined;
    });
    expect(broken.code).toBe(1);
    expect(broken.j.gates[0]).toMatchObject({ gateId: "south", state: "broken", alarm: true });
    const text = await facegate(dir, "site", "audit", "--config", "site.json");
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/south {2}BROKEN since .*ALARM/);
    expect(text.stdout).toMatch(/north {2}ok/);

    child.kill("SIGTERM");
    expect(await exit).toBe(0);
  }, 120_000);
});
