/**
 * `facegate bench cli` times the built command (bin/facegate.mjs on dist/, which
 * `npm install` builds): both commands, every run checked for its exit code, and a bin
 * that fails makes the benchmark fail instead of timing an error.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CliIo } from "../../../device/cli/cli-io.js";
import { main } from "../../../device/cli/main.js";

function io(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), env: {}, cwd: process.cwd() };
}

const dir = mkdtempSync(join(tmpdir(), "fg-cli-bench-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("facegate bench cli", () => {
  it("reports the median start time of --help and device --check, and the ratio against another bin", async () => {
    const a = io();
    expect(await main(["bench", "cli", "--runs", "1", "--against", "bin/facegate.mjs", "--json"], a)).toBe(0);
    const report = JSON.parse(a.stdout[0]!) as { results: Array<{ command: string; runs: number; medianMs: number; againstMedianMs: number; ratio: number }> };
    expect(report.results.map((r) => r.command)).toEqual(["facegate --help", "facegate device --check"]);
    for (const r of report.results) {
      expect(r.runs).toBe(1);
      expect(r.medianMs).toBeGreaterThan(0);
      expect(r.againstMedianMs).toBeGreaterThan(0);
      expect(r.ratio).toBeGreaterThan(0);
    }
  });

  it("fails when the bin timed fails, rather than timing an error", async () => {
    const bin = join(dir, "pkg", "bin", "facegate.mjs");
    mkdirSync(join(dir, "pkg", "bin"), { recursive: true });
    mkdirSync(join(dir, "pkg", "device", "config"), { recursive: true });
    writeFileSync(join(dir, "pkg", "device", "config", "example.json"), "{}");
    writeFileSync(bin, "process.exitCode = 3;\n");
    const a = io();
    expect(await main(["bench", "cli", "--runs", "1", "--bin", bin], a)).toBe(1);
    expect(a.stderr.join("\n")).toMatch(/exited with 3/);
  });
});
