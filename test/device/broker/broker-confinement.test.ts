/**
 * Issue 12, findings 2 and 6, against a real Mosquitto configured as `facegate
 * broker-config` generates it (TLS, client certificates made at test time, the per-gate
 * ACL), with a real gate runtime (simulated hardware) and the operator client:
 *
 * - the device's MQTT session cannot be taken: its client id is secret, a thief with
 *   another gate's certificate (using the formerly predictable id), with a forged
 *   certificate or with none gets none of the 10 commands queued while the device was
 *   away, and the device gets all 10 when it comes back;
 * - a subscriber to `#` with another gate's or another site's credentials sees nothing of
 *   this gate's traffic (this site's operator, the positive control, sees it all), and a
 *   gate cannot publish on another gate's topics;
 * - without the CA, or without a client certificate, connecting fails with a clear error.
 */
import { copyFileSync, chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../device/cli/main.js";
import type { CliIo } from "../../../device/cli/cli-io.js";
import { parseDeviceConfig } from "../../../device/config/device-config.js";
import { brokerCheck } from "../../../device/doctor/broker-check.js";
import { type SimulatedGate, buildSimulatedGate } from "../../../device/scenario/simulated-gate.js";
import { writeOperatorKeyFile } from "../../../sdk/operator/key-file.js";
import { generateEd25519KeyPair, type Ed25519KeyPair } from "../../../sdk/crypto/keys.js";
import { verifyResultSignature } from "../../../sdk/crypto/signatures.js";
import { loadSodium } from "../../../sdk/crypto/sodium.js";
import { buildCommand } from "../../../sdk/operator/command-builder.js";
import { OperatorClient } from "../../../sdk/operator/operator-client.js";
import { untilAnswered } from "../../../sdk/operator/until-answered.js";
import { type CommandResultMessage, gateTopics, toBase64 } from "../../../sdk/protocol/index.js";
import { loadBrokerCredentials } from "../../../sdk/transport/broker-credentials.js";
import { deviceClientId } from "../../../sdk/transport/client-id.js";
import { type TlsBroker, startTlsMosquitto, tlsMosquittoAvailable } from "../../support/tls-broker.js";

const SITE = "estate-07";
const OTHER_SITE = "estate-08";
const PREFIX = `t${Math.random().toString(36).slice(2, 8)}`;
const lobby = gateTopics({ prefix: PREFIX, site: SITE, gate: "lobby" });
const garage = gateTopics({ prefix: PREFIX, site: SITE, gate: "garage" });
const CN = { lobby: `gate.${SITE}.lobby`, garage: `gate.${SITE}.garage`, office: `operator.${SITE}.office`, foreign: `operator.${OTHER_SITE}.office` };

interface Seen {
  topic: string;
  payload: string;
}

/** A raw MQTT client with the given credentials, recording everything it receives. */
async function sniffer(broker: TlsBroker, cn: string, opts: { clientId?: string; clean?: boolean; filters: string[] }): Promise<{ client: MqttClient; seen: Seen[] }> {
  const c = broker.credentials(cn);
  const client = await mqtt.connectAsync(broker.url, {
    protocolVersion: 5,
    reconnectPeriod: 0,
    clean: opts.clean ?? true,
    ...(opts.clientId ? { clientId: opts.clientId, properties: { sessionExpiryInterval: 3600 } } : {}),
    ca: c.ca,
    cert: c.cert,
    key: c.key,
    rejectUnauthorized: true,
  });
  const seen: Seen[] = [];
  client.on("message", (topic, payload) => seen.push({ topic, payload: payload.toString("utf8") }));
  if (opts.filters.length > 0) await client.subscribeAsync(opts.filters, { qos: 1 });
  return { client, seen };
}

async function until(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.skipIf(!tlsMosquittoAvailable)("a broker configured by facegate broker-config (Mosquitto, TLS, client certificates, ACL)", () => {
  let broker: TlsBroker;
  let admin: Ed25519KeyPair;
  let dataDir: string;
  let sim: SimulatedGate | undefined;
  let devicePublicKey: Uint8Array;
  let deviceBoxKey: Uint8Array;
  let deviceId: string;
  const startGate = async (): Promise<SimulatedGate> => {
    const f = broker.files(CN.lobby);
    return buildSimulatedGate({
      gates: [
        { gateId: "lobby", mode: "card_and_pin" },
        { gateId: "garage", mode: "card_and_pin" },
      ],
      gateId: "lobby",
      site: { id: SITE, processorId: "acme-property" },
      pipeline: null,
      dataDir,
      mqtt: { url: broker.url, prefix: PREFIX, protocolVersion: 5, caFile: f.caFile, certFile: f.certFile, keyFile: f.keyFile },
      operators: [{ publicKey: toBase64(admin.publicKey), role: "admin", label: "estate office" }],
    });
  };
  const office = (): OperatorClient => new OperatorClient({ url: broker.url, prefix: PREFIX, credentials: broker.credentials(CN.office) });
  // Signed on the gate's clock (a ManualClock that starts at the same time on every start).
  const command = (s: { clock: { now(): number } }) => buildCommand({ site: SITE, gate: "lobby", type: "gate.status", body: {}, key: admin, sealTo: deviceBoxKey, clock: s.clock });

  beforeAll(async () => {
    broker = await startTlsMosquitto({ site: SITE, gates: ["lobby", "garage"], operators: ["office"], prefix: PREFIX });
    admin = await generateEd25519KeyPair();
    dataDir = mkdtempSync(join(tmpdir(), "fg-broker-gate-"));
    sim = await startGate();
    devicePublicKey = sim.runtime.store.publicKeys.signingPublicKey;
    deviceBoxKey = sim.runtime.store.publicKeys.boxPublicKey;
    deviceId = deviceClientId((p, i) => sim!.runtime.store.keys.keyedIdentifier(p, i), { prefix: PREFIX, site: SITE, gate: "lobby" });
    const op = office();
    await op.start(5_000);
    await untilAnswered(async () => op.send(await command(sim!), { devicePublicKey, timeoutMs: 1_000 }));
    await op.stop();
  }, 60_000);

  afterAll(async () => {
    await sim?.close();
    await broker?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("keeps the device's session and its 10 queued commands with the device: thieves with another gate's, a forged or no certificate get none", async () => {
    expect(deviceId).toMatch(/^fg-[0-9a-f]{32}$/);
    expect(deviceId).not.toContain(SITE);
    expect(deviceId).not.toContain("lobby");
    const at = sim!.clock.now();
    await sim!.close(); // a clean stop: the broker keeps the persistent session (clean: false)
    sim = undefined;

    // The operator queues 10 signed commands for the absent device (PUBACK = the broker holds them).
    const sender = await sniffer(broker, CN.office, { filters: [lobby.commandResults] });
    const commands = await Promise.all(Array.from({ length: 10 }, () => command({ clock: { now: () => at } })));
    for (const c of commands) await sender.client.publishAsync(lobby.commandRequest, JSON.stringify(c), { qos: 1 });

    // Thief 1: garage's valid certificate and the formerly predictable id, persistent session, subscribed to everything.
    const thief = await sniffer(broker, CN.garage, { clientId: `fg-${SITE}-lobby`, clean: false, filters: ["#", lobby.commandRequest, garage.commandRequest] });
    // Positive control: once the canary on garage's own command topic arrives, anything the broker would deliver has been.
    await sender.client.publishAsync(garage.commandRequest, "canary", { qos: 1 });
    await until(() => thief.seen.some((s) => s.payload === "canary"), "the canary on garage's own command topic");
    expect(thief.seen.filter((s) => s.topic.startsWith(lobby.base))).toEqual([]);
    await thief.client.endAsync();

    // Thief 2: a certificate with the lobby's name from another CA, and the device's real (secret) id: refused at TLS.
    const forged = broker.files(CN.lobby, { otherCa: true });
    const forger = new OperatorClient({ url: broker.url, prefix: PREFIX, clientId: deviceId, credentials: loadBrokerCredentials(forged) });
    await expect(forger.start(3_000)).rejects.toThrow(/refused this client certificate/);
    await forger.stop();

    // Thief 3: no client certificate at all, with the device's id.
    const bare = new OperatorClient({ url: broker.url, prefix: PREFIX, clientId: deviceId, credentials: loadBrokerCredentials({ caFile: broker.pki.caFile }) });
    await expect(bare.start(3_000)).rejects.toThrow(/requires a client certificate/);
    await bare.stop();

    // The device comes back under its own id and answers all 10, signed.
    const results: CommandResultMessage[] = [];
    sender.client.on("message", (_t, p) => results.push(JSON.parse(p.toString("utf8")) as CommandResultMessage));
    sim = await startGate();
    await until(() => results.length >= 10, "the 10 results");
    const sodium = await loadSodium();
    expect(results.map((r) => r.commandId).sort()).toEqual(commands.map((c) => c.id).sort());
    for (const r of results) {
      expect(r.status).toBe("ok");
      expect(verifyResultSignature(sodium, r, devicePublicKey)).toBe(true);
    }
    await sender.client.endAsync();
  }, 60_000);

  it("shows a subscriber to # with another gate's or another site's credentials nothing of this gate; this site's operator reads it all", async () => {
    let dropped = 0;
    const onClose = (): void => void dropped++;
    sim!.runtime.link!.connection.on("close", onClose);
    // While the device runs, connecting under the formerly predictable id (garage's login) no longer knocks it off.
    for (let i = 0; i < 3; i++) await (await sniffer(broker, CN.garage, { clientId: `fg-${SITE}-lobby`, filters: [] })).client.endAsync();
    const garageSniffer = await sniffer(broker, CN.garage, { filters: ["#"] });
    const foreignSniffer = await sniffer(broker, CN.foreign, { filters: ["#"] });
    const siteSniffer = await sniffer(broker, CN.office, { filters: ["#"] });
    const op = office();
    await op.start(5_000);
    const sent = [];
    for (let i = 0; i < 3; i++) {
      const c = await command(sim!);
      sent.push(c.id);
      expect((await op.send(c, { devicePublicKey, timeoutMs: 10_000 })).status).toBe("ok");
    }
    // A gate cannot publish on another gate's topics: garage forging lobby's state is refused.
    await expect(garageSniffer.client.publishAsync(lobby.state, JSON.stringify({ forged: true }), { qos: 1, retain: true })).rejects.toThrow(/Not authorized|0x87|135/i);
    await op.stop();

    const sender = await sniffer(broker, CN.office, { filters: [] as string[] });
    await sender.client.publishAsync(garage.commandRequest, "canary", { qos: 1 });
    await until(() => garageSniffer.seen.some((s) => s.payload === "canary"), "the canary on garage's own command topic");
    await until(() => siteSniffer.seen.some((s) => s.payload === "canary"), "the canary at the site's operator");

    expect(garageSniffer.seen.filter((s) => s.topic.startsWith(lobby.base))).toEqual([]);
    expect(foreignSniffer.seen).toEqual([]);
    for (const id of sent) {
      expect(garageSniffer.seen.some((s) => s.payload.includes(id))).toBe(false);
      expect(siteSniffer.seen.some((s) => s.topic === lobby.commandRequest && s.payload.includes(id))).toBe(true);
      expect(siteSniffer.seen.some((s) => s.topic === lobby.commandResult(id))).toBe(true);
    }
    expect(siteSniffer.seen.some((s) => s.payload.includes("forged"))).toBe(false);
    expect(dropped).toBe(0);
    expect(sim!.runtime.link!.connected).toBe(true);
    sim!.runtime.link!.connection.off("close", onClose);
    for (const s of [garageSniffer, foreignSniffer, siteSniffer, sender]) await s.client.endAsync();
  }, 60_000);

  it("refuses to connect without the CA, with a clear error naming the option", async () => {
    const f = broker.files(CN.office);
    const noCa = new OperatorClient({ url: broker.url, prefix: PREFIX, credentials: loadBrokerCredentials({ certFile: f.certFile, keyFile: f.keyFile }) });
    await expect(noCa.start(3_000)).rejects.toThrow(/TLS certificate is not trusted \(SELF_SIGNED_CERT_IN_CHAIN\): give the CA that signed it \(mqtt\.caFile, or --ca\)/);
    await noCa.stop();
    const wrongCa = new OperatorClient({ url: broker.url, prefix: PREFIX, credentials: loadBrokerCredentials({ caFile: broker.pki.otherCaFile, certFile: f.certFile, keyFile: f.keyFile }) });
    await expect(wrongCa.start(3_000)).rejects.toThrow(/TLS certificate is not trusted/);
    await wrongCa.stop();
  }, 30_000);

  it("doctor reaches the broker with the gate's files, and names a client key others can read", async () => {
    const f = broker.files(CN.lobby);
    const config = (keyFile: string) =>
      parseDeviceConfig(
        {
          version: 1,
          site: { id: SITE, processorId: "acme-property" },
          gateId: "lobby",
          gates: [{ gateId: "lobby", mode: "card_and_pin" }],
          dataDir: dataDir,
          mqtt: { url: broker.url, prefix: PREFIX, caFile: f.caFile, certFile: f.certFile, keyFile },
          operators: [{ publicKey: toBase64(admin.publicKey), role: "admin", label: "estate office" }],
        },
        dataDir,
      );
    expect(await brokerCheck(config(f.keyFile), 5_000).run()).toMatchObject({ status: "ok", detail: expect.stringMatching(/^connected to mqtts:/) });
    const open = join(dataDir, "open.key");
    copyFileSync(f.keyFile, open);
    chmodSync(open, 0o644);
    expect(await brokerCheck(config(open), 5_000).run()).toEqual({ status: "fail", detail: `mqtt.keyFile: ${open} has mode 0644; it must be private to this user (chmod 600)`, fix: `chmod 600 ${open}` });
  }, 30_000);

  it("facegate operator status reaches the gate with --ca --tls-cert --tls-key; a password in --broker is refused", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "fg-broker-cli-"));
    const io = (): CliIo & { stdout: string[]; stderr: string[] } => {
      const stdout: string[] = [];
      const stderr: string[] = [];
      return { stdout, stderr, out: (t) => void stdout.push(t), err: (t) => void stderr.push(t), env: {}, cwd };
    };
    try {
      sim!.clock.set(Date.now()); // the CLI signs on the system clock
      writeOperatorKeyFile(join(cwd, "admin.key"), admin);
      const f = broker.files(CN.office);
      const conn = ["--key", "admin.key", "--site", SITE, "--gate", "lobby", "--device-key", toBase64(devicePublicKey), "--device-box-key", toBase64(deviceBoxKey), "--prefix", PREFIX, "--timeout", "10000"];
      const tls = ["--ca", f.caFile, "--tls-cert", f.certFile, "--tls-key", f.keyFile];
      const ok = io();
      expect(await main(["operator", "status", "--broker", broker.url, ...conn, ...tls, "--json"], ok), ok.stderr.join("\n")).toBe(0);
      expect(JSON.parse(ok.stdout.join(""))).toMatchObject({ status: "ok", commandId: expect.any(String) });
      const inUrl = io();
      expect(await main(["operator", "status", "--broker", broker.url.replace("mqtts://", "mqtts://office:s3cret@"), ...conn, ...tls], inUrl)).toBe(2);
      expect(inUrl.stderr.join("\n")).toMatch(/--broker: must not hold a user name or password \(use --username and --password-file/);
      expect(inUrl.stderr.join("\n")).not.toContain("s3cret");
      const noCa = io();
      expect(await main(["operator", "status", "--broker", broker.url, ...conn, "--tls-cert", f.certFile, "--tls-key", f.keyFile], noCa)).toBe(1);
      expect(noCa.stderr.join("\n")).toMatch(/TLS certificate is not trusted .*--ca/);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 30_000);
});
