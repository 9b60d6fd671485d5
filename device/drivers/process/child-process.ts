/**
 * What the drivers need of child processes, passed in (never read from globals in
 * driver logic) so tests can point a driver at another program: the spawn function,
 * the timers, and `runTool` for short-lived tools (gpioget, gpioinfo, ffprobe-like
 * checks) with a timeout and bounded output.
 */
import { type ChildProcess, type SpawnOptions, spawn as nodeSpawn } from "node:child_process";

export type SpawnFn = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

export const processSpawn: SpawnFn = (command, args, options) => nodeSpawn(command, args, options);

/** Timers as the runtime passes them (device/runtime/gate-runtime.ts `Timers`). */
export interface DriverTimers {
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const processTimers: DriverTimers = {
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface ToolResult {
  /** Exit code, or null when killed (timeout) or not started. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Why it did not run to an exit code: `timeout`, or the spawn error's code (ENOENT...). */
  failure?: string;
}

const MAX_OUTPUT = 64 * 1024;

/** Runs a short-lived tool; never rejects. Output beyond 64 KiB per stream is dropped. */
export function runTool(spawn: SpawnFn, timers: DriverTimers, command: string, args: readonly string[], timeoutMs = 5_000): Promise<ToolResult> {
  return new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    let failure: string | undefined;
    let child: ChildProcess;
    try {
      child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    } catch (err) {
      resolve({ code: null, stdout, stderr, failure: (err as NodeJS.ErrnoException).code ?? "spawn_failed" });
      return;
    }
    const timer = timers.setTimer(() => {
      failure = "timeout";
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout?.on("data", (d: Buffer) => {
      if (stdout.length < MAX_OUTPUT) stdout += d.toString("utf8");
    });
    child.stderr?.on("data", (d: Buffer) => {
      if (stderr.length < MAX_OUTPUT) stderr += d.toString("utf8");
    });
    child.on("error", (err: NodeJS.ErrnoException) => {
      failure ??= err.code ?? "spawn_failed";
    });
    child.on("close", (code) => {
      timers.clearTimer(timer);
      resolve({ code: failure ? null : code, stdout, stderr, ...(failure ? { failure } : {}) });
    });
  });
}

/** Resolves when the child has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("close", () => resolve()));
}

/** The first line of a tool's complaint, for a check's detail (tools print no secrets of ours). */
export function firstLine(text: string): string {
  const line = text.split("\n").find((l) => l.trim() !== "") ?? "";
  return line.length > 200 ? `${line.slice(0, 200)}...` : line.trim();
}
