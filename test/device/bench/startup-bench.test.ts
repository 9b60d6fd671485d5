import { describe, expect, it } from "vitest";
import { main } from "../../../device/cli/main.js";
import type { CliIo } from "../../../device/cli/cli-io.js";

function io(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), env: {}, cwd: process.cwd() };
}

interface Report {
  bench: string;
  size: number;
  subjects: number;
  decrypt: string;
  runs: Array<{ openMs: number; loadMs: number; totalMs: number; cpuMs: number; templates: number; quarantined: number; decryptedIn: string; progressReports: number; indexBytes: number; sanity: { probes: number; rightSubject: number; minScore: number } }>;
  totalMs: { median: number; best: number };
  peakRssBytes: number;
  rssAfterLoadBytes: number;
  loadedCorrectly: boolean;
  targetMs: number;
  meets: boolean | null;
}

describe("facegate bench startup", () => {
  it("builds a real encrypted vault, loads it in a fresh process and reports JSON", async () => {
    const a = io();
    expect(await main(["bench", "startup", "--size", "300", "--runs", "1", "--json"], a)).toBe(0);
    const report = JSON.parse(a.stdout[0]!) as Report;
    expect(report).toMatchObject({ bench: "startup", size: 300, subjects: 150, decrypt: "auto", loadedCorrectly: true, targetMs: 3000, meets: null });
    expect(report.runs).toHaveLength(1);
    const run = report.runs[0]!;
    expect(run).toMatchObject({ templates: 300, quarantined: 0, decryptedIn: "main-thread" });
    expect(run.sanity.rightSubject).toBe(run.sanity.probes);
    expect(run.sanity.minScore).toBeGreaterThan(0.999);
    expect((run as unknown as { partition: unknown }).partition).toMatchObject({ lists: 0, steps: 0 }); // below the partition's minimum
    expect(run.progressReports).toBeGreaterThanOrEqual(1);
    expect(run.openMs).toBeGreaterThan(0);
    expect(run.loadMs).toBeGreaterThan(0);
    expect(run.totalMs).toBeCloseTo(run.openMs + run.loadMs, 0);
    expect(report.totalMs.median).toBe(run.totalMs);
    expect(run.indexBytes).toBeGreaterThan(300 * 768);
    expect(report.peakRssBytes).toBeGreaterThanOrEqual(report.rssAfterLoadBytes);
  });

  it("can force the worker path, and refuses an unknown place", async () => {
    const a = io();
    expect(await main(["bench", "startup", "--size", "200", "--runs", "1", "--decrypt", "worker", "--json"], a)).toBe(0);
    const report = JSON.parse(a.stdout[0]!) as Report;
    expect(report.loadedCorrectly).toBe(true);
    expect(report.runs[0]).toMatchObject({ templates: 200, decryptedIn: "worker" });
    const b = io();
    expect(await main(["bench", "startup", "--decrypt", "gpu"], b)).toBe(2);
    expect(b.stderr.join("\n")).toMatch(/--decrypt must be one of/);
  });
});
