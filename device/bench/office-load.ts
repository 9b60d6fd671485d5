/**
 * The MQTT traffic of `bench door`, sent from an office in a process of its own, as in
 * the field: signed, sealed gate.status commands, `burst.commands` at a time every
 * `burst.everyMs`, each answer verified against the gate's key. Building and sealing a
 * command (Ed25519, X25519, random nonces) costs the sender ~1-3 ms; in the gate's own
 * process that was the bench's load on the gate's event loop, not the gate's.
 *
 * The parent writes one JSON line (the set-up) to the child's stdin and, to stop it,
 * "stop"; the child answers with one JSON line: the answered commands' round trips.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { loaderArgs } from "../../models/package-root.js";
import type { Ed25519KeyPair } from "../../sdk/crypto/keys.js";
import { buildCommand } from "../../sdk/operator/command-builder.js";
import { OperatorClient } from "../../sdk/operator/operator-client.js";
import { untilAnswered } from "../../sdk/operator/until-answered.js";
import { fromBase64, toBase64 } from "../../sdk/protocol/index.js";
import { systemClock } from "../../sdk/time/clock.js";

const OFFICE_ENV = "FACEGATE_BENCH_OFFICE";

export interface OfficeSetup {
  url: string;
  prefix: string;
  protocolVersion: 4 | 5;
  site: string;
  gate: string;
  admin: Ed25519KeyPair;
  devicePublicKey: Uint8Array;
  boxPublicKey: Uint8Array;
  burst: { commands: number; everyMs: number };
}

export interface OfficeLoad {
  /** Stops the bursts; the round trips of the commands answered "ok". */
  stop(): Promise<number[]>;
}

/** Starts the office process and resolves once its first command was answered. */
export function startOfficeLoad(setup: OfficeSetup): Promise<OfficeLoad> {
  const child = spawn(process.execPath, [...loaderArgs(import.meta.url), fileURLToPath(import.meta.url)], {
    env: { ...process.env, [OFFICE_ENV]: "1" },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout });
  const next = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`bench office process ended (exit code ${code})`));
      child.once("exit", onExit);
      lines.once("line", (l) => {
        child.off("exit", onExit);
        resolve(l);
      });
    });
  const wire = { ...setup, admin: { keyId: setup.admin.keyId, publicKey: toBase64(setup.admin.publicKey), secretKey: toBase64(setup.admin.secretKey) }, devicePublicKey: toBase64(setup.devicePublicKey), boxPublicKey: toBase64(setup.boxPublicKey) };
  const started = next();
  child.stdin.write(`${JSON.stringify(wire)}\n`);
  return started.then((first) => {
    if (first !== "ready") throw new Error(`bench office process: ${first}`);
    return {
      stop: async () => {
        const result = next();
        child.stdin.end("stop\n");
        return (JSON.parse(await result) as { commandMs: number[] }).commandMs;
      },
    };
  });
}

function bytes(text: string): Uint8Array {
  const b = fromBase64(text);
  if (!b) throw new Error("bench office: set-up line is not valid base64");
  return b;
}

async function runOffice(): Promise<void> {
  const lines = createInterface({ input: process.stdin });
  const iterator = lines[Symbol.asyncIterator]();
  const first = await iterator.next();
  const w = JSON.parse(String(first.value)) as Omit<OfficeSetup, "admin" | "devicePublicKey" | "boxPublicKey"> & { admin: { keyId: string; publicKey: string; secretKey: string }; devicePublicKey: string; boxPublicKey: string };
  const key: Ed25519KeyPair = { keyId: w.admin.keyId, publicKey: bytes(w.admin.publicKey), secretKey: bytes(w.admin.secretKey) };
  const devicePublicKey = bytes(w.devicePublicKey);
  const sealTo = bytes(w.boxPublicKey);
  const client = new OperatorClient({ url: w.url, prefix: w.prefix, protocolVersion: w.protocolVersion });
  await client.start();
  const status = async () => client.send(await buildCommand({ site: w.site, gate: w.gate, type: "gate.status", body: {}, key, sealTo, clock: systemClock }), { devicePublicKey, timeoutMs: 10_000 });
  await untilAnswered(status);
  let running = true;
  const commandMs: number[] = [];
  const bursts = (async () => {
    while (running) {
      await Promise.all(
        Array.from({ length: w.burst.commands }, async () => {
          const t = performance.now();
          const r = await status().catch(() => undefined);
          if (r?.status === "ok") commandMs.push(performance.now() - t);
        }),
      );
      await new Promise((r) => setTimeout(r, w.burst.everyMs));
    }
  })();
  process.stdout.write("ready\n");
  await iterator.next(); // "stop", or the end of stdin
  running = false;
  await bursts;
  await client.stop();
  key.secretKey.fill(0);
  process.stdout.write(`${JSON.stringify({ commandMs })}\n`);
}

if (process.env[OFFICE_ENV] === "1") {
  runOffice().catch((err: unknown) => {
    process.stdout.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
