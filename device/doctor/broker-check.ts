/**
 * The broker, reached the way the device reaches it: the configured URL (mqtt://,
 * mqtts://, ws://, wss://), protocol version, CA, client certificate and login (the same
 * files, with the same permission checks), with a timeout. Doctor connects under its own client id, with a clean session, and
 * disconnects at once: connecting with the device's id would take over (and drop) the
 * session of a device that is running.
 */
import { randomBytes } from "node:crypto";
import mqtt from "mqtt";
import { ConfigError } from "../../sdk/errors.js";
import { type BrokerCredentials, loadBrokerCredentials } from "../../sdk/transport/broker-credentials.js";
import { describeConnectError } from "../../sdk/transport/connect-error.js";
import type { DeviceConfig } from "../config/device-config.js";
import { type DoctorCheck, fail, pass } from "./check.js";

export const DEFAULT_BROKER_TIMEOUT_MS = 5_000;

/** Connects and disconnects; resolves with the time it took, rejects with the reason it could not. */
export function probeBroker(url: string, protocolVersion: 4 | 5, clientId: string, timeoutMs: number, credentials: BrokerCredentials = {}): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, {
      clientId,
      protocolVersion,
      clean: true,
      connectTimeout: timeoutMs,
      reconnectPeriod: 0,
      keepalive: 10,
      ...(credentials.ca ? { ca: credentials.ca } : {}),
      ...(credentials.cert ? { cert: credentials.cert } : {}),
      ...(credentials.key ? { key: credentials.key } : {}),
      ...(credentials.username !== undefined ? { username: credentials.username } : {}),
      ...(credentials.password ? { password: credentials.password } : {}),
      rejectUnauthorized: true,
    });
    const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      client.end(true, () => (err ? reject(err) : resolve(performance.now() - started)));
    };
    client.once("connect", () => finish());
    client.once("error", (err) => finish(err));
    client.once("close", () => finish(new Error("the connection was closed before the broker accepted it")));
  });
}

export function brokerCheck(config: DeviceConfig, timeoutMs: number = DEFAULT_BROKER_TIMEOUT_MS): DoctorCheck {
  return {
    name: "broker",
    async run() {
      const m = config.mqtt;
      if (!m) return pass("no mqtt in the configuration: the gate runs on its own, without remote commands or events");
      const what = `${m.url} (MQTT ${m.protocolVersion === 5 ? "5" : "3.1.1"})`;
      let credentials: BrokerCredentials;
      try {
        credentials = loadBrokerCredentials(m);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        const file = typeof err.details["file"] === "string" ? err.details["file"] : undefined;
        return fail(err.message, err.details["mode"] !== undefined && file ? `chmod 600 ${file}` : "fix the broker files named in mqtt (caFile, certFile, keyFile, passwordFile)");
      }
      try {
        // A random id: the device's own (secret) id would take over the running device's session.
        const ms = await probeBroker(m.url, m.protocolVersion, `facegate-doctor-${randomBytes(8).toString("hex")}`, timeoutMs, credentials);
        return pass(`connected to ${what} in ${Math.round(ms)} ms`);
      } catch (err) {
        const reason = describeConnectError(err);
        return fail(
          `cannot connect to ${what}: ${reason}`,
          "check mqtt.url and mqtt.protocolVersion in the configuration, that the broker runs and that this terminal may reach it (firewall; port 1883, 8883 for mqtts://); for mqtts:// the broker's certificate must be signed by mqtt.caFile (or a CA the system trusts), and a broker that asks for a client certificate or login needs mqtt.certFile/keyFile or mqtt.username/passwordFile",
        );
      }
    },
  };
}
