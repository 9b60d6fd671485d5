/**
 * The broker, reached the way the device reaches it: the configured URL (mqtt://,
 * mqtts:// with the system's trusted certificates, ws://, wss://) and protocol version,
 * with a timeout. Doctor connects under its own client id, with a clean session, and
 * disconnects at once: connecting with the device's id would take over (and drop) the
 * session of a device that is running.
 */
import { randomBytes } from "node:crypto";
import mqtt from "mqtt";
import type { DeviceConfig } from "../config/device-config.js";
import { type DoctorCheck, fail, pass } from "./check.js";

export const DEFAULT_BROKER_TIMEOUT_MS = 5_000;

/** Connects and disconnects; resolves with the time it took, rejects with the reason it could not. */
export function probeBroker(url: string, protocolVersion: 4 | 5, clientId: string, timeoutMs: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { clientId, protocolVersion, clean: true, connectTimeout: timeoutMs, reconnectPeriod: 0, keepalive: 10 });
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
      try {
        const ms = await probeBroker(m.url, m.protocolVersion, `facegate-doctor-${config.gateId}-${randomBytes(4).toString("hex")}`, timeoutMs);
        return pass(`connected to ${what} in ${Math.round(ms)} ms`);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        const reason = e.code && !e.message.includes(e.code) ? `${e.code}: ${e.message}` : e.message;
        return fail(
          `cannot connect to ${what}: ${reason}`,
          "check mqtt.url and mqtt.protocolVersion in the configuration, that the broker runs and that this terminal may reach it (firewall; port 1883, 8883 for mqtts://); for mqtts:// the broker's certificate must be trusted by the system (/etc/ssl/certs)",
        );
      }
    },
  };
}
