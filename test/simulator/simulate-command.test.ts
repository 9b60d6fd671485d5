import { join } from "node:path";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { run } from "../../device/cli/commands/simulate.js";
import type { CliIo } from "../../device/cli/cli-io.js";
import { loadScenarioFile, simulateScenario } from "../../device/scenario/scenario-runner.js";
import { repoRoot } from "../support/faces.js";

function io(): CliIo & { outText: string[]; errText: string[] } {
  const outText: string[] = [];
  const errText: string[] = [];
  return { out: (t) => outText.push(t), err: (t) => errText.push(t), env: {}, cwd: repoRoot, outText, errText };
}

const scenario = (name: string) => join("simulator", "scenarios", name);

describe("facegate simulate", () => {
  it("runs a card/PIN scenario and prints one JSON object", async () => {
    const cli = io();
    const code = await run(["--scenario", scenario("l2-face-only-policy-refused.json"), "--json"], cli);
    expect(code).toBe(0);
    const out = JSON.parse(cli.outText.join(""));
    expect(out.passed).toBe(true);
    expect(out.covers).toContain("L2");
    expect(out.steps[0]).toMatchObject({ do: "load_policies", passed: true, error: { code: "config_invalid" } });
    expect(out.events.map((e: { type: string }) => e.type)).toContain("access.granted");
  });

  it("prints a readable report", async () => {
    const cli = io();
    expect(await run(["--scenario", scenario("pin-lockout.json")], cli)).toBe(0);
    expect(cli.outText.join("\n")).toMatch(/PASSED$/);
  });

  it("without usable face models, a face scenario is not run and says what is missing", async () => {
    const emptyModels = mkdtempSync(join(tmpdir(), "fg-no-models-"));
    const result = await simulateScenario(await loadScenarioFile(join(repoRoot, scenario("l4-unknown-face-leaves-no-trace.json"))), { modelsDir: emptyModels });
    expect(result.passed).toBe(false);
    expect(result.missing.join(" ")).toMatch(/face models.*models fetch/);
  });

  it("refuses a malformed scenario with a path: problem error", async () => {
    await expect(run(["--scenario", "package.json"], io())).rejects.toThrow(/package\.json\.name|package\.json\.\w+: unknown key/);
    await expect(run([], io())).rejects.toThrow(/--scenario is required/);
  });
});
