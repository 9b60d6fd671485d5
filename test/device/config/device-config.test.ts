import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadDeviceConfig, parseDeviceConfig } from "../../../device/config/device-config.js";
import { ConfigError } from "../../../sdk/errors.js";

const ADMIN = Buffer.alloc(32, 7).toString("base64");
const base = () => ({
  version: 1,
  site: { id: "estate-01", processorId: "acme-property" },
  gateId: "lobby",
  gates: [{ gateId: "lobby", mode: "face_or_card_or_pin" }],
  dataDir: "./data",
});

function error(raw: unknown): string {
  try {
    parseDeviceConfig(raw, "/etc/facegate");
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("device configuration", () => {
  it("reads a minimal file with documented defaults and resolves paths against the file's folder", () => {
    const c = parseDeviceConfig(base(), "/etc/facegate");
    expect(c.dataDir).toBe("/etc/facegate/data");
    expect(c.keyFile).toBe("/etc/facegate/data/keys/device.key");
    expect(c.consent).toEqual({ maxDays: 365, maxMinorDays: 180 });
    expect(c.models.enabled).toBe(true);
    expect(c.mqtt).toBeUndefined();
  });

  it("names the path and the problem for each mistake", () => {
    expect(error({ ...base(), version: 2 })).toMatch(/^version: unsupported configuration version 2/);
    expect(error({ ...base(), colour: "red" })).toMatch(/^colour: unknown key/);
    expect(error({ ...base(), gateId: "Zhang San's door" })).toMatch(/^gateId: must be an opaque id/);
    expect(error({ ...base(), gateId: "garage" })).toMatch(/^gateId: no policy for gate "garage"/);
    expect(error({ ...base(), consent: { maxDays: 0 } })).toMatch(/^consent\.maxDays: must be at least 1/);
    expect(error({ ...base(), consent: { maxDays: 100, maxMinorDays: 200 } })).toMatch(/^consent\.maxMinorDays: must be at most 100/);
    expect(error({ ...base(), mqtt: { url: "http://x" } })).toMatch(/^mqtt\.url: must be an mqtt:\/\//);
    expect(error({ ...base(), mqtt: { url: "mqtt://127.0.0.1" } })).toMatch(/^operators: at least one operator key with role admin/);
    expect(error({ ...base(), operators: [{ label: "x", role: "root", publicKey: ADMIN }] })).toMatch(/^operators\[0\]\.role: must be one of admin/);
  });

  it("broker TLS files and login: resolved against the file's folder; no password in the URL, no TLS files without TLS", () => {
    const operators = [{ label: "office", role: "admin", publicKey: ADMIN }];
    const mqtt = (m: Record<string, unknown>) => ({ ...base(), operators, mqtt: { url: "mqtts://broker.example:8883", ...m } });
    const c = parseDeviceConfig(mqtt({ caFile: "tls/ca.crt", certFile: "/etc/tls/gate.crt", keyFile: "tls/gate.key", username: "gate.estate-01.lobby", passwordFile: "broker.pass" }), "/etc/facegate");
    expect(c.mqtt).toEqual({
      url: "mqtts://broker.example:8883",
      prefix: "facegate",
      protocolVersion: 5,
      caFile: "/etc/facegate/tls/ca.crt",
      certFile: "/etc/tls/gate.crt",
      keyFile: "/etc/facegate/tls/gate.key",
      username: "gate.estate-01.lobby",
      passwordFile: "/etc/facegate/broker.pass",
    });
    expect(error(mqtt({ url: "mqtts://gate:secret@broker.example:8883" }))).toMatch(/^mqtt\.url: must not hold a user name or password \(use mqtt\.username and mqtt\.passwordFile/);
    expect(error(mqtt({ url: "mqtts://gate:secret@broker.example:8883" }))).not.toContain("secret");
    expect(error(mqtt({ certFile: "gate.crt" }))).toMatch(/^mqtt\.keyFile: mqtt\.certFile and mqtt\.keyFile go together/);
    expect(error(mqtt({ url: "mqtt://broker.example", caFile: "ca.crt" }))).toMatch(/^mqtt\.caFile: needs an mqtts:\/\/ or wss:\/\/ URL/);
    expect(error(mqtt({ url: "mqtt://broker.example", username: "u", passwordFile: "p" }))).toMatch(/^mqtt\.passwordFile: a password over mqtt:\/\/ or ws:\/\/ travels in clear/);
    expect(error(mqtt({ passwordFile: "p" }))).toMatch(/^mqtt\.passwordFile: needs mqtt\.username/);
    expect(error(mqtt({ password: "x" }))).toMatch(/^mqtt\.password: unknown key/);
  });

  it("L2: a gate policy that makes face the only way in is refused at load", () => {
    expect(error({ ...base(), gates: [{ gateId: "lobby", mode: "face_only" }] })).toMatch(/gates\[0\]\.mode: .*only way in.*L2/);
  });

  it("a file that is not JSON, or missing, is a clear error naming the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "fg-config-"));
    const file = join(dir, "gate.json");
    writeFileSync(file, "{ version: 1,");
    expect(() => loadDeviceConfig(file)).toThrowError(/gate\.json: not valid JSON/);
    expect(() => loadDeviceConfig(join(dir, "missing.json"))).toThrowError(/missing\.json: cannot read the configuration file \(ENOENT\)/);
    writeFileSync(file, JSON.stringify({ ...base(), mqtt: { url: "mqtt://127.0.0.1:1883" }, operators: [{ label: "office", role: "admin", publicKey: ADMIN }] }));
    expect(loadDeviceConfig(file).mqtt).toEqual({ url: "mqtt://127.0.0.1:1883", prefix: "facegate", protocolVersion: 5 });
  });

  it("the example in the repository (README) is a valid configuration", () => {
    const config = loadDeviceConfig(join(import.meta.dirname, "..", "..", "..", "device", "config", "example.json"));
    expect(config).toMatchObject({ gateId: "lobby", site: { id: "estate-01" }, mqtt: { protocolVersion: 5 }, consent: { maxDays: 365 } });
    expect(config.gates.map((g) => g.mode)).toEqual(["face_or_card_or_pin", "card_and_pin"]);
  });
});
