/** OSDP bus settings and the reader key file. */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseOsdpSettings } from "../../../../device/drivers/osdp/osdp-settings.js";
import { FileReaderKeys } from "../../../../device/drivers/osdp/reader-keys.js";

const context = { dataDir: "/var/lib/facegate", baseDir: "/etc/facegate" };

describe("OSDP settings", () => {
  it("fills the defaults: Secure Channel required, 115200 baud, 200 ms replies, a key file in the data folder", () => {
    expect(parseOsdpSettings({ port: "/dev/ttyUSB0", readers: [{ address: 0 }] }, "drivers.osdp", context)).toEqual({
      port: "/dev/ttyUSB0",
      baudRate: 115_200,
      secureChannel: "required",
      keyFile: "/var/lib/facegate/osdp/keys.json",
      readers: [{ address: 0, display: false }],
      replyTimeoutMs: 200,
      retries: 2,
      pollIntervalMs: 20,
      offlineRetryMs: 1000,
    });
    expect(parseOsdpSettings({ port: "/dev/ttyS1", readers: [{ address: 1 }], keyFile: "keys/osdp.json" }, "d", context).keyFile).toBe("/etc/facegate/keys/osdp.json");
  });

  it.each([
    [{ port: "ttyUSB0", readers: [{ address: 0 }] }, /^drivers\.osdp\.port: must be an absolute device path/],
    [{ port: "/dev/ttyUSB0", baudRate: 115201, readers: [{ address: 0 }] }, /^drivers\.osdp\.baudRate: must be one of 9600/],
    [{ port: "/dev/ttyUSB0", secureChannel: "off", readers: [{ address: 0 }] }, /^drivers\.osdp\.secureChannel: must be one of required, install, clear/],
    [{ port: "/dev/ttyUSB0", readers: [] }, /^drivers\.osdp\.readers: must have at least 1 item/],
    [{ port: "/dev/ttyUSB0", readers: [{ address: 127 }] }, /^drivers\.osdp\.readers\[0\]\.address: must be at most 126/],
    [{ port: "/dev/ttyUSB0", readers: [{ address: 2 }, { address: 2 }] }, /^drivers\.osdp\.readers\[1\]\.address: address 2 is used by another reader/],
    [{ port: "/dev/ttyUSB0", readers: [{ address: 0 }], timeout: 5 }, /^drivers\.osdp\.timeout: unknown key/],
  ])("refuses %j with a path: problem error", (raw, message) => {
    expect(() => parseOsdpSettings(raw, "drivers.osdp", context)).toThrow(message);
  });
});

describe("OSDP reader key file", () => {
  let dir = "";
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps a staged key as pending until confirmed, in a 0600 file", () => {
    dir = mkdtempSync(join(tmpdir(), "facegate-osdp-keys-"));
    const keys = new FileReaderKeys(join(dir, "osdp", "keys.json"), () => 0);
    const key = Uint8Array.from({ length: 16 }, (_, i) => i);
    expect(keys.keysFor(0)).toEqual({ own: null, pending: null });
    keys.stagePending(0, key);
    expect(keys.keysFor(0)).toEqual({ own: null, pending: key });
    keys.confirm(0, key);
    expect(keys.keysFor(0)).toEqual({ own: key, pending: null });
    expect(keys.keysFor(1)).toEqual({ own: null, pending: null });
  });

  it("refuses a key file others can read, and one that is not a key file, leaving it untouched", () => {
    dir = mkdtempSync(join(tmpdir(), "facegate-osdp-keys-"));
    const path = join(dir, "keys.json");
    writeFileSync(path, JSON.stringify({ version: 1, readers: {} }), { mode: 0o644 });
    chmodSync(path, 0o644);
    expect(() => new FileReaderKeys(path, () => 0).keysFor(0)).toThrow(expect.objectContaining({ code: "key_permissions" }));
    writeFileSync(path, "not json", { mode: 0o600 });
    chmodSync(path, 0o600);
    expect(() => new FileReaderKeys(path, () => 0).keysFor(0)).toThrow(expect.objectContaining({ code: "key_invalid" }));
  });
});
