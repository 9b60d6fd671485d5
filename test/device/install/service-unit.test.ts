/**
 * The systemd unit shipped in device/install/facegate.service: what it promises (its own
 * user, a read-only system but for the data directory, no new privileges, restart on
 * failure, stop by SIGTERM within TimeoutStopSec, devices reachable through groups), that
 * systemd parses it without a warning, and that the device process it starts really
 * stops on SIGTERM, cleanly, within the unit's timeout.
 *
 * No systemd runs the unit here (the test machines have no systemd as PID 1): the
 * sandbox itself is exercised only on a terminal (README: Installing a terminal).
 */
import { spawnSync } from "node:child_process";
import { MALLOC_WIPE_TUNABLE, mallocWipeActive, withMallocWipe } from "../../../device/runtime/malloc-wipe.js";
import { GATE_NODE_FLAGS, gateExecArgv, gateFlagsActive } from "../../../device/runtime/gate-process.js";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateEd25519KeyPair } from "../../../sdk/crypto/keys.js";
import { toBase64 } from "../../../sdk/protocol/base64.js";
import { startTestBroker } from "../../support/broker.js";
import { startDevice, untilRunning, writeDeviceConfig } from "../../support/device-process.js";
import { repoRoot } from "../../support/faces.js";

const unitFile = join(repoRoot, "device", "install", "facegate.service");
const unitText = readFileSync(unitFile, "utf8");
const dir = mkdtempSync(join(tmpdir(), "fg-unit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `Key=value` lines of one section (repeated keys keep every value). */
function section(name: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current = "";
  for (const raw of unitText.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) current = header[1]!;
    else if (current === name) {
      const eq = line.indexOf("=");
      const key = line.slice(0, eq);
      out.set(key, [...(out.get(key) ?? []), line.slice(eq + 1)]);
    }
  }
  return out;
}

const service = section("Service");
const one = (key: string): string | undefined => service.get(key)?.at(-1);

/** systemd time span in seconds ("20s", "1min 30s", "90"). */
function seconds(span: string): number {
  let total = 0;
  for (const [, n, unit] of span.matchAll(/(\d+)\s*(ms|s|sec|min|m|h)?/g)) {
    const k = unit === "ms" ? 0.001 : unit === "min" || unit === "m" ? 60 : unit === "h" ? 3600 : 1;
    total += Number(n) * k;
  }
  return total;
}

const systemdAnalyze = spawnSync("systemd-analyze", ["--version"]).status === 0;
if (!systemdAnalyze) console.warn("\n*** systemd-analyze not found: the unit file's systemd parse check is SKIPPED ***\n");

describe("device/install/facegate.service", () => {
  it("runs as its own user, on a read-only system but for the data directory, without new privileges", () => {
    expect(one("User")).toBe("facegate");
    expect(one("ProtectSystem")).toBe("strict");
    expect(one("NoNewPrivileges")).toBe("yes");
    expect(one("ReadWritePaths")).toBe("/var/lib/facegate");
    expect(one("StateDirectory")).toBe("facegate");
    expect(one("ExecStart")).toMatch(/\/bin\/facegate\.mjs device --config \/etc\/facegate\/device\.json$/);
    expect(section("Install").get("WantedBy")).toEqual(["multi-user.target"]);
  });

  it("starts the gate with glibc's freed-memory wipe, which the gate checks for at start", () => {
    const env = Object.fromEntries((service.get("Environment") ?? []).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
    expect(mallocWipeActive(env)).toBe(true);
    expect(mallocWipeActive({})).toBe(false);
    expect(withMallocWipe({ GLIBC_TUNABLES: "glibc.malloc.arena_max=2:glibc.malloc.perturb=7" })["GLIBC_TUNABLES"]).toBe(`glibc.malloc.arena_max=2:${MALLOC_WIPE_TUNABLE}`);
  });

  it("starts node with the gate's flags (a bounded young generation), which the gate checks for at start", () => {
    const words = one("ExecStart")!.split(/\s+/);
    const script = words.findIndex((w) => w.endsWith("/bin/facegate.mjs"));
    expect(words[0]).toMatch(/\/node$/);
    expect(gateFlagsActive(words.slice(1, script))).toBe(true);
    expect(gateFlagsActive([])).toBe(false);
    expect(gateFlagsActive([], `--enable-source-maps ${GATE_NODE_FLAGS.join(" ")}`)).toBe(true);
    expect(gateExecArgv(["--import", "tsx", "--max-semi-space-size=16"])).toEqual(["--import", "tsx", ...GATE_NODE_FLAGS]);
  });

  it("restarts on failure, but not on what a restart cannot fix, and stops by SIGTERM within TimeoutStopSec", () => {
    expect(one("Restart")).toBe("on-failure");
    expect(one("RestartPreventExitStatus")?.split(" ")).toEqual(["3", "5", "6"]);
    expect(one("KillSignal")).toBe("SIGTERM");
    expect(seconds(one("TimeoutStopSec") ?? "")).toBeGreaterThanOrEqual(5);
  });

  it("reaches serial ports, GPIO chips and cameras through groups, and nothing closes /dev to them", () => {
    expect(one("SupplementaryGroups")?.split(" ")).toEqual(expect.arrayContaining(["dialout", "gpio", "video"]));
    for (const key of ["PrivateDevices", "DevicePolicy", "DeviceAllow", "ProtectClock", "MemoryDenyWriteExecute"]) expect(service.has(key), key).toBe(false);
  });

  it.skipIf(!systemdAnalyze)("parses with systemd-analyze verify without a warning (and a broken copy does not)", () => {
    const verify = (file: string) => spawnSync("systemd-analyze", ["verify", "--man=no", file], { encoding: "utf8" });
    const copy = join(dir, "facegate.service");
    writeFileSync(copy, unitText);
    const ok = verify(copy);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stderr.trim()).toBe("");
    // Positive control: systemd only warns about a bad value and exits 0, so the check is on stderr.
    const broken = join(dir, "broken.service");
    writeFileSync(broken, unitText.replace("ProtectSystem=strict", "ProtectSystem=very"));
    const bad = verify(broken);
    expect(bad.stderr).toMatch(/Failed to parse protect system value/);
  });

  it("the device it starts (face and MQTT on) stops cleanly on SIGTERM within the unit's TimeoutStopSec", async () => {
    const broker = await startTestBroker();
    try {
      const operators = [{ label: "office", role: "admin", publicKey: toBase64((await generateEd25519KeyPair()).publicKey) }];
      const config = writeDeviceConfig(dir, { models: { enabled: true }, mqtt: { url: broker.url, protocolVersion: broker.protocolVersion }, operators });
      const device = startDevice(config);
      await untilRunning(device);
      expect(device.output()).toMatch(/running \(face on, mqtt on\)/);
      const sent = performance.now();
      device.child.kill("SIGTERM");
      const code = await device.exit;
      const stopMs = performance.now() - sent;
      expect(code, device.output()).toBe(0);
      expect(device.output()).toMatch(/facegate: stopped/);
      expect(stopMs).toBeLessThan(seconds(one("TimeoutStopSec")!) * 1000);
      console.info(`device stopped ${Math.round(stopMs)} ms after SIGTERM (TimeoutStopSec ${one("TimeoutStopSec")})`);
    } finally {
      await broker.stop();
    }
  }, 60_000);
});
