/**
 * A gate the test plays by hand: an MQTT client with an Ed25519 key and an X25519 box key
 * of its own, pinned at the site like any gate. It publishes its signed retained state,
 * records the commands it is sent, and answers them when and how the test says (correctly
 * signed, signed by someone else, late, never), which real gates do not do on demand.
 */
import mqtt, { type MqttClient } from "mqtt";
import { sha256Hex } from "../../../../sdk/crypto/hash.js";
import { ed25519Signer, generateEd25519KeyPair, type Signer } from "../../../../sdk/crypto/keys.js";
import { signDeviceMessage, signResult } from "../../../../sdk/crypto/signatures.js";
import { loadSodium } from "../../../../sdk/crypto/sodium.js";
import { canonicalJson, type CommandEnvelope, type UnsignedResult } from "../../../../sdk/protocol/index.js";
import type { SiteHarness } from "../../../support/site-harness.js";
import { until } from "./site-service-support.js";

export interface FakeGate {
  gateId: string;
  signer: Signer;
  boxPublicKey: Uint8Array;
  requests: CommandEnvelope[];
  client: MqttClient;
  topic(leaf: string, gate?: string): string;
  publishState(online: boolean): Promise<void>;
  /** Publishes a result for `envelope` on this gate's topic (or `asGate`'s), signed by `signer` (default its own). */
  answer(envelope: CommandEnvelope, outcome: { result?: unknown; error?: { code: string; message: string } }, options?: { signer?: Signer }): Promise<void>;
  /** The first request of `type` received at or after index `from`. */
  next(type: string, from?: number): Promise<CommandEnvelope>;
  close(): Promise<void>;
}

export async function startFakeGate(site: SiteHarness, gateId: string): Promise<FakeGate> {
  const sodium = await loadSodium();
  const signer = await ed25519Signer((await generateEd25519KeyPair()).secretKey);
  const box = sodium.crypto_box_keypair();
  const client = await mqtt.connectAsync(site.broker.url, { protocolVersion: site.broker.protocolVersion, clean: true, reconnectPeriod: 0 });
  const requests: CommandEnvelope[] = [];
  const topic = (leaf: string, gate = gateId): string => `${site.prefix}/v2/${site.site}/${gate}/${leaf}`;
  client.on("message", (_t, p) => requests.push(JSON.parse(p.toString("utf8")) as CommandEnvelope));
  await client.subscribeAsync(topic("commands/request"), { qos: 1 });
  const fake: FakeGate = {
    gateId,
    signer,
    boxPublicKey: box.publicKey,
    requests,
    client,
    topic,
    async publishState(online) {
      const state = signDeviceMessage(signer, "state", { v: 2, site: site.site, gate: gateId, online, reason: online ? "connected" : "shutdown", at: site.clock.now() });
      await client.publishAsync(topic("state"), JSON.stringify(state), { qos: 1, retain: true });
    },
    async answer(envelope, outcome, options = {}) {
      const by = options.signer ?? signer;
      const unsigned = {
        v: 2,
        site: site.site,
        gate: gateId,
        commandId: envelope.id,
        requestHash: sha256Hex(canonicalJson(envelope)),
        status: outcome.error ? "error" : "ok",
        ...(outcome.error ? { error: outcome.error } : { result: outcome.result }),
        at: site.clock.now(),
        deviceKeyId: by.keyId,
      } as UnsignedResult;
      await client.publishAsync(topic(`commands/result/${envelope.id}`), JSON.stringify(signResult(by, unsigned)), { qos: 1 });
    },
    next: (type, from = 0) => until(`a ${type} for ${gateId}`, () => requests.slice(from).find((r) => r.type === type)),
    async close() {
      await client.publishAsync(topic("state"), "", { qos: 1, retain: true }).catch(() => undefined);
      await client.endAsync();
    },
  };
  return fake;
}
