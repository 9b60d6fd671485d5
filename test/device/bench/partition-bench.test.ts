import { describe, expect, it } from "vitest";
import { main } from "../../../device/cli/main.js";
import type { CliIo } from "../../../device/cli/cli-io.js";

function io(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), env: {}, cwd: process.cwd() };
}

interface SizeReport {
  size: number;
  lists: number;
  nprobe: number;
  longestList: number;
  partitionBuildMs: number;
  exactMs: { n: number; p50: number; p95: number };
  partitionedMs: { n: number; p50: number; p95: number };
  decisionAgreement: { all: number; genuine: number; capture: number; copy: number; impostor: number };
  top1SubjectAgreement: number;
  falseAcceptsNotExact: number;
  missedAccepts: number;
  confirmBelowThreshold: { ms: { n: number; p50: number }; decisionAgreement: number; falseAcceptsNotExact: number; missedAccepts: number };
}

describe("facegate bench partition", () => {
  it("times exhaustive and partitioned search per size and compares their door decisions", async () => {
    const a = io();
    expect(await main(["bench", "partition", "--sizes", "1500,3000", "--queries", "200", "--json"], a)).toBe(0);
    const report = JSON.parse(a.stdout[0]!) as { bench: string; threshold: number; queries: number; sizes: SizeReport[] };
    expect(report).toMatchObject({ bench: "partition", threshold: 0.43, queries: 200 });
    expect(report.sizes.map((s) => [s.size, s.lists, s.nprobe])).toEqual([[1500, 39, 24], [3000, 55, 24]]);
    for (const s of report.sizes) {
      expect(s.exactMs.n).toBe(200);
      expect(s.partitionedMs.n).toBe(200);
      expect(s.partitionedMs.p50).toBeGreaterThan(0);
      expect(s.partitionBuildMs).toBeGreaterThan(0);
      expect(s.longestList).toBeGreaterThan(s.size / s.lists);
      expect(s.decisionAgreement.all).toBeGreaterThanOrEqual(0.99);
      expect(s.decisionAgreement.genuine).toBeGreaterThanOrEqual(0.98);
      expect(s.decisionAgreement.copy).toBeGreaterThanOrEqual(0.98);
      expect(s.decisionAgreement.capture).toBeGreaterThanOrEqual(0.98);
      expect(s.falseAcceptsNotExact).toBe(0);
      // With a shut decision checked exhaustively, no accept is missed.
      expect(s.confirmBelowThreshold.ms.n).toBe(200);
      expect(s.confirmBelowThreshold.missedAccepts).toBe(0);
      expect(s.confirmBelowThreshold.falseAcceptsNotExact).toBe(0);
      // The counts add up: every query either agrees, or is a false accept or a missed accept.
      expect(Math.round(s.decisionAgreement.all * 200) + s.falseAcceptsNotExact + s.missedAccepts).toBe(200);
    }
  }, 120_000);

  it("refuses bad sizes", async () => {
    const a = io();
    expect(await main(["bench", "partition", "--sizes", "10,x"], a)).not.toBe(0);
    expect(a.stderr.join("\n")).toMatch(/--sizes must be/);
  });
});
