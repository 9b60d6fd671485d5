/**
 * Finding 6, the password variant: `facegate broker-config --auth password` on a real
 * Mosquitto (users made with mosquitto_passwd), the gate and the operator logging in with
 * a username and a password read from a private file; a wrong password is refused with a
 * clear error that does not hold it, and a password file others can read stops the gate
 * before it starts.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSimulatedGate } from "../../../device/scenario/simulated-gate.js";
import { ConfigError } from "../../../sdk/errors.js";
import { generateEd25519KeyPair, type Ed25519KeyPair } from "../../../sdk/crypto/keys.js";
import { buildCommand } from "../../../sdk/operator/command-builder.js";
import { OperatorClient } from "../../../sdk/operator/operator-client.js";
import { untilAnswered } from "../../../sdk/operator/until-answered.js";
import { toBase64 } from "../../../sdk/protocol/index.js";
import { loadBrokerCredentials } from "../../../sdk/transport/broker-credentials.js";
import { type TlsBroker, startTlsMosquitto, tlsMosquittoAvailable } from "../../support/tls-broker.js";

const SITE = "estate-09";
const PREFIX = `t${Math.random().toString(36).slice(2, 8)}`;
const GATE_USER = `gate.${SITE}.lobby`;
const OFFICE_USER = `operator.${SITE}.office`;
const GATE_PASSWORD = `gate-pw-${Math.random().toString(36).slice(2)}`;
const OFFICE_PASSWORD = `office-pw-${Math.random().toString(36).slice(2)}`;

describe.skipIf(!tlsMosquittoAvailable)("broker login with a password file (Mosquitto, --auth password)", () => {
  let broker: TlsBroker;
  let dir: string;
  let admin: Ed25519KeyPair;
  const secret = (name: string, content: string, mode = 0o600): string => {
    const p = join(dir, name);
    writeFileSync(p, `${content}\n`);
    chmodSync(p, mode);
    return p;
  };
  const gate = (passwordFile: string) =>
    buildSimulatedGate({
      gates: [{ gateId: "lobby", mode: "card_and_pin" }],
      site: { id: SITE, processorId: "acme-property" },
      pipeline: null,
      mqtt: { url: broker.url, prefix: PREFIX, protocolVersion: 5, caFile: broker.pki.caFile, username: GATE_USER, passwordFile },
      operators: [{ publicKey: toBase64(admin.publicKey), role: "admin", label: "estate office" }],
    });

  beforeAll(async () => {
    broker = await startTlsMosquitto({ site: SITE, gates: ["lobby"], operators: ["office"], prefix: PREFIX, auth: "password", passwords: { [GATE_USER]: GATE_PASSWORD, [OFFICE_USER]: OFFICE_PASSWORD } });
    dir = mkdtempSync(join(tmpdir(), "fg-broker-pw-"));
    admin = await generateEd25519KeyPair();
  }, 30_000);
  afterAll(async () => {
    await broker?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the gate and the operator log in with passwords from private files; the gate answers signed commands", async () => {
    const sim = await gate(secret("gate.pass", GATE_PASSWORD));
    const op = new OperatorClient({ url: broker.url, prefix: PREFIX, credentials: loadBrokerCredentials({ caFile: broker.pki.caFile, username: OFFICE_USER, passwordFile: secret("office.pass", OFFICE_PASSWORD) }) });
    try {
      await op.start(5_000);
      const status = await untilAnswered(async () =>
        op.send(await buildCommand({ site: SITE, gate: "lobby", type: "gate.status", body: {}, key: admin, sealTo: sim.runtime.store.publicKeys.boxPublicKey, clock: sim.clock }), { devicePublicKey: sim.runtime.store.publicKeys.signingPublicKey, timeoutMs: 1_000 }),
      );
      expect(status.deviceKeyId).toBe(sim.runtime.store.publicKeys.keyId);
    } finally {
      await op.stop();
      await sim.close();
    }
  }, 30_000);

  it("a wrong password is refused at once with a clear error that does not hold it", async () => {
    const op = new OperatorClient({ url: broker.url, prefix: PREFIX, credentials: loadBrokerCredentials({ caFile: broker.pki.caFile, username: OFFICE_USER, passwordFile: secret("wrong.pass", "not-the-password") }) });
    const err = await op.start(5_000).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    await op.stop();
    expect(err?.message).toMatch(/the broker refused the login .*check the username and password file/);
    expect(err?.message).not.toContain("not-the-password");
  });

  it("a password file others can read stops the gate before it opens anything", async () => {
    const err = await gate(secret("open.pass", GATE_PASSWORD, 0o644)).then(
      async (sim) => {
        await sim.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^mqtt\.passwordFile: .*open\.pass has mode 0644; it must be private to this user \(chmod 600\)$/);
  });
});
