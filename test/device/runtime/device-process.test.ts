/**
 * `facegate device --config FILE` as an installer runs it: a real process, a real key
 * file and database, SIGTERM for a clean stop, and exit codes that say what is wrong.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startDevice, untilRunning, writeDeviceConfig as writeConfig } from "../../support/device-process.js";

describe("facegate device", () => {
  it("starts, stops cleanly on SIGTERM with exit 0, and refuses to start without its key file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fg-device-"));
    const config = writeConfig(dir);
    const first = startDevice(config);
    await untilRunning(first);
    expect(first.output()).toMatch(/gate lobby of site estate-01 running \(face unavailable, mqtt off\)/);
    first.child.kill("SIGTERM");
    expect(await first.exit).toBe(0);
    expect(first.output()).toMatch(/facegate: stopped/);

    // The database exists now; without the key file it must not start (and not make a new key).
    rmSync(join(dir, "data", "keys", "device.key"));
    const second = startDevice(config);
    expect(await second.exit).toBe(6);
    expect(second.output()).toMatch(/key_missing/);
  });

  it("refuses a key file readable by others (exit 6) and a bad configuration (exit 3), naming the problem", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fg-device-"));
    const config = writeConfig(dir);
    const first = startDevice(config);
    await untilRunning(first);
    first.child.kill("SIGTERM");
    expect(await first.exit).toBe(0);
    chmodSync(join(dir, "data", "keys", "device.key"), 0o644);
    const loose = startDevice(config);
    expect(await loose.exit).toBe(6);
    expect(loose.output()).toMatch(/key_permissions/);

    const bad = startDevice(writeConfig(mkdtempSync(join(tmpdir(), "fg-device-")), { gates: [{ gateId: "lobby", mode: "face_only" }] }));
    expect(await bad.exit).toBe(3);
    expect(bad.output()).toMatch(/gates\[0\]\.mode: .*only way in/);
  });

  it("refuses a corrupt database without touching it (exit 5)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fg-device-"));
    const config = writeConfig(dir);
    const first = startDevice(config);
    await untilRunning(first);
    first.child.kill("SIGTERM");
    expect(await first.exit).toBe(0);
    writeFileSync(join(dir, "data", "facegate.db"), Buffer.alloc(16384, 0x5a));
    const corrupt = startDevice(config);
    expect(await corrupt.exit).toBe(5);
    expect(corrupt.output()).toMatch(/store_corrupt/);
  });
});
