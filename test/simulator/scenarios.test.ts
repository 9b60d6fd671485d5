/**
 * Runs every scenario in simulator/scenarios through the same code as `facegate simulate`
 * (loadScenarioFile + simulateScenario), on the real gate: real vault, consent registry,
 * deletion receipts, gallery index and ONNX face pipeline on the fixture photos. The
 * pipeline is loaded once and shared.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultModelsDir } from "../../models/manifest.js";
import { type FacePipeline, createFacePipeline } from "../../sdk/vision/index.js";
import { loadScenarioFile, simulateScenario, type ScenarioResult } from "../../device/scenario/scenario-runner.js";
import { facesAvailable, facesDir, repoRoot } from "../support/faces.js";
import { scenarioStream } from "../support/normalize-output.js";
import { verifiedModels } from "../../models/verify.js";
import { socatAvailable } from "../../simulator/osdp/pty-pair.js";

const dir = join(repoRoot, "simulator", "scenarios");
const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();

function explain(result: ScenarioResult): string {
  const lines = [...result.failures];
  for (const s of result.steps) for (const f of s.failures) lines.push(`step ${s.index + 1} (${s.do}${s.note ? `: ${s.note}` : ""}): ${f}`);
  return lines.join("\n");
}

let pipeline: FacePipeline;
beforeAll(async () => {
  pipeline = await createFacePipeline({ models: verifiedModels(defaultModelsDir() )});
});
afterAll(async () => {
  await pipeline?.close();
});

describe("scenario files on the real gate", () => {
  it("covers L2, L4 and L11", async () => {
    const covered = new Set<string>();
    for (const f of files) for (const c of (await loadScenarioFile(join(dir, f))).covers ?? []) covered.add(c);
    expect([...covered]).toEqual(expect.arrayContaining(["L2", "L4", "L11"]));
  });

  for (const file of files) {
    // A scenario on the OSDP driver needs socat for its pty pair (.ci/run installs it).
    const needsSocat = (JSON.parse(readFileSync(join(dir, file), "utf8")) as { readers?: string }).readers === "osdp";
    if (needsSocat && !socatAvailable()) {
      if (process.env["CI"] === "true") throw new Error(`${file} runs on the OSDP driver and needs socat, which is not installed`);
      console.warn(`skipping ${file}: it runs on the OSDP driver over a pty and needs socat (apt-get install socat)`);
    }
    it.skipIf(!facesAvailable || (needsSocat && !socatAvailable()))(`${file} passes`, async () => {
      const scenario = await loadScenarioFile(join(dir, file));
      const result = await simulateScenario(scenario, { facesDir, pipeline });
      expect(result.passed, explain(result)).toBe(true);
      // The event stream is pinned (test/golden, written by test/support/write-golden.ts):
      // a refactoring must leave it identical; an intended change rewrites the golden file.
      expect(scenarioStream(result)).toBe(readFileSync(join(repoRoot, "test", "golden", "scenarios", file.replace(/\.json$/, ".stream.json")), "utf8").trimEnd());

    });
  }
});
