/**
 * `facegate device --config FILE` as an installer (or systemd) runs it: a real child
 * process of bin/facegate.mjs, its output collected, its exit awaited.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliArgs } from "./cli-process.js";

/** A minimal valid configuration (gate lobby of estate-01, data in ./data, face off) plus `extra`. */
export function writeDeviceConfig(dir: string, extra: Record<string, unknown> = {}): string {
  const file = join(dir, "gate.json");
  writeFileSync(
    file,
    JSON.stringify({
      version: 1,
      site: { id: "estate-01", processorId: "acme-property" },
      gateId: "lobby",
      gates: [{ gateId: "lobby", mode: "face_or_card_or_pin" }],
      dataDir: "./data",
      models: { enabled: false },
      ...extra,
    }),
  );
  return file;
}

export interface DeviceProcess {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

export function startDevice(config: string): DeviceProcess {
  const child = spawn(process.execPath, cliArgs(["device", "--config", config]), { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => out, exit };
}

/** Resolves once the device says it runs, or has exited (the caller looks at which). */
export async function untilRunning(device: DeviceProcess, ms = 30_000): Promise<void> {
  await waitFor(() => /running/.test(device.output()) || device.child.exitCode !== null, ms);
}

export async function waitFor(predicate: () => boolean, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}
