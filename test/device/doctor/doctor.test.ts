/**
 * `facegate doctor` on terminals set up for real: a configuration, and the key file and
 * database that a real device process made when it started once (then stopped by
 * SIGTERM). The healthy terminal passes every check; a broken one has each problem named
 * with what to do; doctor never creates a database and never opens another user's.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIo } from "../../../device/cli/cli-io.js";
import { main } from "../../../device/cli/main.js";
import type { CheckResult } from "../../../device/doctor/check.js";
import { RELEASED_NOT_BEFORE } from "../../../device/doctor/clock-check.js";
import { characterDeviceCheck } from "../../../device/doctor/device-node-check.js";
import { runDoctor } from "../../../device/doctor/doctor.js";
import { defaultModelsDir, loadManifest } from "../../../models/manifest.js";
import { generateEd25519KeyPair } from "../../../sdk/crypto/keys.js";
import { toBase64 } from "../../../sdk/protocol/base64.js";
import { freePort, startTestBroker, type TestBroker } from "../../support/broker.js";
import { startDevice, untilRunning, writeDeviceConfig } from "../../support/device-process.js";
import { cliArgs } from "../../support/cli-process.js";

interface Report {
  ok: boolean;
  failures: number;
  warnings: number;
  gate?: string;
  checks: CheckResult[];
}

/** Root with runuser (the project machines): doctor can be run as `nobody`. */
const asAnotherUser = process.getuid?.() === 0 && spawnSync("runuser", ["--version"]).status === 0;

const CHECKS = ["node", "configuration", "models", "data directory", "disk", "key file", "database", "clock", "broker", "drivers"];

function io(cwd: string): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), env: {}, cwd };
}

async function doctor(dir: string, config: string, ...more: string[]): Promise<{ code: number; report: Report; text: string }> {
  const a = io(dir);
  const code = await main(["doctor", "--config", config, "--json", ...more], a);
  const t = io(dir);
  await main(["doctor", "--config", config, ...more], t);
  return { code, report: JSON.parse(a.stdout.join("\n")) as Report, text: t.stdout.join("\n") };
}

const check = (r: Report, name: string): CheckResult => r.checks.find((c) => c.name === name)!;

const root = mkdtempSync(join(tmpdir(), "fg-doctor-"));
let broker: TestBroker;
let mqtt: { url: string; protocolVersion: 4 | 5 };
let operators: { label: string; role: string; publicKey: string }[];

/** A terminal whose device ran once: configuration, key file and database made for real. */
async function terminal(name: string, extra: Record<string, unknown> = {}): Promise<{ dir: string; config: string }> {
  const dir = join(root, name);
  mkdirSync(dir);
  const config = writeDeviceConfig(dir, { models: { enabled: true }, mqtt, operators, ...extra });
  const device = startDevice(config);
  await untilRunning(device);
  expect(device.output()).toMatch(/running \(face on, mqtt on\)/);
  device.child.kill("SIGTERM");
  expect(await device.exit).toBe(0);
  return { dir, config };
}

beforeAll(async () => {
  broker = await startTestBroker();
  mqtt = { url: broker.url, protocolVersion: broker.protocolVersion };
  operators = [{ label: "office", role: "admin", publicKey: toBase64((await generateEd25519KeyPair()).publicKey) }];
});

afterAll(async () => {
  await broker.stop();
  rmSync(root, { recursive: true, force: true });
});

describe("facegate doctor", () => {
  it("passes every check on a healthy simulated terminal, one line each, exit 0", async () => {
    const { dir, config } = await terminal("healthy");
    const { code, report, text } = await doctor(dir, config);
    expect(code, JSON.stringify(report.checks, null, 1)).toBe(0);
    expect(report).toMatchObject({ ok: true, failures: 0, gate: "lobby" });
    expect(report.checks.map((c) => c.name)).toEqual(CHECKS);
    // Disk may only warn on a nearly full test machine; everything else is ok.
    for (const c of report.checks) expect(c.status, `${c.name}: ${c.detail}`).toBe(c.name === "disk" && c.status === "warn" ? "warn" : "ok");
    expect(check(report, "models").detail).toMatch(/4 models verified/);
    expect(check(report, "key file").detail).toMatch(/mode 0600, device key [0-9a-f]+/);
    expect(check(report, "database").detail).toMatch(/intact \(quick_check ok, read-only\), \d+ audit entries, written by the key file's device key/);
    expect(check(report, "clock").detail).toMatch(/not behind the newest recorded time/);
    expect(check(report, "broker").detail).toMatch(new RegExp(`connected to ${broker.url.replaceAll(".", "\\.")}`));
    expect(check(report, "drivers").detail).toMatch(/^simulated/);
    expect(text.split("\n")).toHaveLength(CHECKS.length + 1);
    expect(text).toMatch(/^ok {4}node {12}Node\.js/m);
    expect(text).toMatch(/^doctor: nothing the gate needs is missing/m);
  }, 60_000);

  it("names a world-readable key file, a missing model and an unreachable broker, each with what to do; exit 1", async () => {
    const { dir, config } = await terminal("broken");
    chmodSync(join(dir, "data", "keys", "device.key"), 0o644);
    const models = join(dir, "three-models");
    mkdirSync(models);
    const manifest = loadManifest();
    for (const m of Object.values(manifest.models)) if (m.file !== "fr_feature.onnx") symlinkSync(join(defaultModelsDir({}), m.file), join(models, m.file));
    const closed = `mqtt://127.0.0.1:${await freePort()}`;
    const broken = writeDeviceConfig(dir, { models: { enabled: true, dir: "three-models" }, mqtt: { url: closed, protocolVersion: 5 }, operators });
    expect(broken).toBe(config);

    const { code, report, text } = await doctor(dir, broken, "--timeout", "2000");
    expect(code).toBe(1);
    expect(report).toMatchObject({ ok: false, failures: 3 });
    const key = check(report, "key file");
    expect(key).toMatchObject({ status: "fail", ok: false });
    expect(key.detail).toMatch(/device\.key has mode 0644/);
    expect(key.fix).toBe(`chmod 600 ${join(dir, "data", "keys", "device.key")}`);
    const model = check(report, "models");
    expect(model.status).toBe("fail");
    expect(model.detail).toMatch(/fr_feature\.onnx missing in .*three-models/);
    expect(model.fix).toMatch(/facegate models fetch --dir .*three-models/);
    const mqttCheck = check(report, "broker");
    expect(mqttCheck.status).toBe("fail");
    expect(mqttCheck.detail).toMatch(new RegExp(`cannot connect to ${closed.replaceAll(".", "\\.")} \\(MQTT 5\\): .*ECONNREFUSED`));
    expect(mqttCheck.fix).toMatch(/mqtt\.url/);
    for (const c of report.checks.filter((c) => !["key file", "models", "broker", "disk"].includes(c.name))) expect(c.status, c.name).toBe("ok");
    expect(text).toMatch(/^FAIL {2}key file {8}.* -> chmod 600 /m);
    expect(text).toMatch(/^doctor: 3 problems to fix before this gate can work/m);
  }, 60_000);

  it("a clock never set, or behind what the database recorded, is a failure", async () => {
    const { config } = await terminal("clock");
    const never = await runDoctor({ configFile: config, now: () => Date.UTC(2019, 5, 1) });
    expect(never.checks.find((c) => c.name === "clock")).toMatchObject({ status: "fail", fix: expect.stringMatching(/timedatectl set-ntp true/) });
    expect(never.checks.find((c) => c.name === "clock")!.detail).toMatch(/2019-06-01.*never set/);
    const back = await runDoctor({ configFile: config, now: () => Date.now() - 3 * 3_600_000 });
    expect(back.checks.find((c) => c.name === "clock")!.detail).toMatch(/3 h behind the newest time the database recorded/);
    expect(back.ok).toBe(false);
    expect(RELEASED_NOT_BEFORE).toBeLessThan(Date.now());
  }, 60_000);

  it("never creates a database, a key or a data directory, and says what the first start will make", async () => {
    const dir = join(root, "new");
    mkdirSync(dir);
    const config = writeDeviceConfig(dir, { models: { enabled: false } });
    const { code, report } = await doctor(dir, config);
    expect(code).toBe(0);
    expect(check(report, "database").detail).toMatch(/does not exist yet: the device creates it at first start \(doctor never creates one\)/);
    expect(check(report, "key file").detail).toMatch(/does not exist yet/);
    expect(check(report, "broker").detail).toMatch(/no mqtt in the configuration/);
    expect(check(report, "models").detail).toMatch(/face recognition is off/);
    expect(readdirSync(dir)).toEqual(["gate.json"]);
  });

  it("refuses a corrupt database and a database without its key, each with the way out", async () => {
    const dir = join(root, "corrupt");
    mkdirSync(join(dir, "data"), { recursive: true });
    writeFileSync(join(dir, "data", "facegate.db"), Buffer.alloc(16384, 0x5a));
    const { code, report } = await doctor(dir, writeDeviceConfig(dir));
    expect(code).toBe(1);
    expect(check(report, "database")).toMatchObject({ status: "fail", detail: expect.stringMatching(/corrupt or not a facegate database/), fix: expect.stringMatching(/move .*facegate\.db away/) });
    expect(check(report, "key file")).toMatchObject({ status: "fail", detail: expect.stringMatching(/missing while the database .* exists/), fix: expect.stringMatching(/restore the key file/) });
  });

  it("opens a database only as its owner: another user's leaves no side files behind", async () => {
    const { dir, config } = await terminal("owner");
    const files = () => readdirSync(join(dir, "data")).sort();
    const before = files();
    expect(before).not.toContain("facegate.db-wal");
    const other = await runDoctor({ configFile: config, now: () => Date.now(), uid: 4242 });
    expect(other.checks.find((c) => c.name === "database")).toMatchObject({ status: "fail", fix: expect.stringMatching(/runuser -u facegate -- facegate doctor/) });
    expect(files()).toEqual(before);
    // Positive control: the owner's read-only open is what leaves SQLite's side files.
    await runDoctor({ configFile: config, now: () => Date.now() });
    expect(files()).toContain("facegate.db-wal");
  }, 60_000);

  it.skipIf(!asAnotherUser)("run as another user, names what that user cannot reach instead of calling it missing", async () => {
    const { dir, config } = await terminal("other-user");
    chmodSync(root, 0o755);
    chmodSync(dir, 0o755);
    chmodSync(config, 0o644);
    const r = spawnSync("runuser", ["-u", "nobody", "--", process.execPath, ...cliArgs(["doctor", "--config", config, "--json", "--timeout", "2000"])], { encoding: "utf8", cwd: "/" });
    const report = JSON.parse(r.stdout) as Report;
    expect(r.status, r.stderr).toBe(1);
    expect(check(report, "data directory")).toMatchObject({ status: "fail", detail: expect.stringMatching(/not writable by this user/) });
    for (const name of ["key file", "database"]) {
      expect(check(report, name)).toMatchObject({ status: "fail", detail: expect.stringMatching(/may not look into .*, so cannot reach/), fix: expect.stringMatching(/runuser -u facegate/) });
    }
  }, 60_000);

  it("reports a configuration it cannot use, and the placeholder operator key of the example", async () => {
    const dir = join(root, "bad-config");
    mkdirSync(dir);
    const bad = await doctor(dir, writeDeviceConfig(dir, { gates: [{ gateId: "lobby", mode: "face_only" }] }));
    expect(bad.code).toBe(1);
    expect(bad.report.checks.map((c) => c.name)).toEqual(["node", "configuration"]);
    expect(check(bad.report, "configuration").detail).toMatch(/gates\[0\]\.mode: /);
    const example = await doctor(dir, join(import.meta.dirname, "..", "..", "..", "device", "config", "example.json"), "--timeout", "500");
    expect(check(example.report, "configuration")).toMatchObject({ status: "fail", fix: expect.stringMatching(/facegate operator keygen/) });
  });
});

describe("a driver's device node check", () => {
  it("passes for a node this user may open, and names a missing node or a plain file", async () => {
    expect(await characterDeviceCheck({ name: "reader port", path: "/dev/null", what: "serial port", group: "dialout" }).run()).toMatchObject({ status: "ok" });
    const missing = await characterDeviceCheck({ name: "reader port", path: "/dev/ttyFACEGATE-none", what: "serial port", group: "dialout" }).run();
    expect(missing).toMatchObject({ status: "fail", detail: "serial port /dev/ttyFACEGATE-none does not exist" });
    const plain = join(root, "not-a-device");
    writeFileSync(plain, "");
    expect(await characterDeviceCheck({ name: "camera", path: plain, what: "camera", group: "video" }).run()).toMatchObject({ status: "fail", detail: `${plain} is not a device node` });
    expect(existsSync(plain)).toBe(true);
  });
});
