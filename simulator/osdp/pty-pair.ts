/**
 * A pseudo-terminal pair made by socat (`socat -d -d pty,raw,echo=0 pty,raw,echo=0`): two
 * device paths joined like the two ends of an RS-485 bus, for tests and benchmarks of the
 * OSDP driver against the simulated reader without hardware.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";

export interface PtyPair {
  /** The control panel's end. */
  panel: string;
  /** The readers' end. */
  readers: string;
  close(): Promise<void>;
}

export function socatAvailable(): boolean {
  return spawnSync("socat", ["-V"], { stdio: "ignore" }).status === 0;
}

export function openPtyPair(timeoutMs = 5000): Promise<PtyPair> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn("socat", ["-d", "-d", "pty,raw,echo=0", "pty,raw,echo=0"], { stdio: ["ignore", "ignore", "pipe"] });
    let text = "";
    let settled = false;
    const timer = setTimeout(() => fail(new Error(`socat did not report two ptys within ${timeoutMs} ms`)), timeoutMs);
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill();
      reject(err);
    };
    child.on("error", fail);
    child.on("exit", (code) => fail(new Error(`socat exited (${code}) before the ptys were ready: ${text.slice(-300)}`)));
    child.stderr!.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      const paths = [...text.matchAll(/PTY is (\S+)/g)].map((m) => m[1]!);
      if (settled || paths.length < 2 || !text.includes("starting data transfer loop")) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        panel: paths[0]!,
        readers: paths[1]!,
        close: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once("exit", () => done());
            child.kill();
          }),
      });
    });
  });
}
