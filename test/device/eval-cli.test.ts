/** `facegate eval` over the shared fixtures: pairs mode and gallery mode report sane figures. */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "../../device/cli/commands/eval.js";
import type { CliIo } from "../../device/cli/cli-io.js";
import { DEFAULT_MATCH_THRESHOLD } from "../../sdk/vision/index.js";
import { facePath, facesAvailable, facesDir, repoRoot } from "../support/faces.js";

function io(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), env: {}, cwd: repoRoot };
}

describe.skipIf(!facesAvailable)("facegate eval", () => {
  const tmp = mkdtempSync(join(tmpdir(), "facegate-eval-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("--pairs: verification figures over a CSV of fixture pairs, FMR 0 at the default threshold", async () => {
    const ids = readdirSync(facePath("identities")).sort();
    const rows = ["imageA,imageB,same"];
    for (const id of ids) {
      const files = readdirSync(facePath("identities", id)).sort();
      rows.push(`identities/${id}/${files[0]},identities/${id}/${files[1]},yes`, `identities/${id}/${files[2]},identities/${id}/${files[3]},1`);
    }
    for (let i = 0; i < ids.length; i++) rows.push(`identities/${ids[i]}/${ids[i]}1.png,identities/${ids[(i + 1) % ids.length]}/${ids[(i + 1) % ids.length]}2.png,no`);
    for (const s of readdirSync(facePath("strangers")).sort()) rows.push(`strangers/${s},identities/${ids[0]}/${ids[0]}3.png,false`);
    rows.push(`identities/leonard/leonard5.png,identities/leonard/leonard1.png,yes`); // may fail to enroll
    const csv = join(tmp, "pairs.csv");
    writeFileSync(csv, `${rows.join("\n")}\n`);

    const cli = io();
    expect(await run(["--pairs", csv, "--images", facesDir, "--json"], cli)).toBe(0);
    const r = JSON.parse(cli.stdout.join(""));
    expect(r).toMatchObject({ mode: "pairs", threshold: DEFAULT_MATCH_THRESHOLD, pairs: rows.length - 1, fmr: 0 });
    expect(r.genuinePairs + r.impostorPairs + r.failedPairs).toBe(r.pairs);
    expect(r.failedToEnroll).toBeLessThanOrEqual(1);
    expect(r.fnmr).toBe(0);
    expect(r.accuracy).toBe(1);
    expect(r.best.accuracy).toBe(1);
    expect(r.impostorScores.max).toBeLessThan(r.genuineScores.min);
    expect(cli.stdout.join("")).not.toMatch(/embedding/);
    // Operating points from the sorted scores: no false match anywhere on the fixtures.
    expect(r.operatingPoints.threshold).toMatchObject({ threshold: DEFAULT_MATCH_THRESHOLD, falseMatches: 0, fnmr: 0 });
    expect(r.operatingPoints.zeroFalseMatch.threshold).toBeGreaterThan(r.impostorScores.max);
    expect(r.operatingPoints.fmr1e4.resolved).toBe(false); // too few impostor pairs to resolve 1e-4
    expect(r.impostorTail.top[0]).toBe(r.impostorScores.max);
    expect(r.faceAlone).toBeNull(); // fewer than 100 impostor pairs: no tail model is fitted
  });

  it("--gallery with --probes: leave-one-out rank-1 of 100%, FNIR and FPIR 0", async () => {
    const cli = io();
    expect(await run(["--gallery", facePath("identities"), "--probes", facePath("strangers"), "--json"], cli)).toBe(0);
    const r = JSON.parse(cli.stdout.join(""));
    expect(r).toMatchObject({ mode: "gallery", identities: 8, images: 40, rank1: 1, fnir: 0, fpir: 0 });
    expect(r.failedToEnroll).toBeLessThanOrEqual(1);
    expect(r.probes).toMatchObject({ images: 7, searches: 7, fpir: 0 });
    expect(r.probes.maxScore).toBeLessThan(DEFAULT_MATCH_THRESHOLD);

    const text = io();
    expect(await run(["--gallery", facePath("identities")], text)).toBe(0);
    expect(text.stdout.join("\n")).toMatch(/rank-1 100\.00%/);
  });

  it("refuses missing or conflicting options with a usage error", async () => {
    await expect(run([], io())).rejects.toMatchObject({ code: "usage" });
    await expect(run(["--pairs", "x.csv"], io())).rejects.toMatchObject({ code: "usage" });
  });
});
