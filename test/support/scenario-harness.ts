/** Where the scenario harness lives (the golden writer and the stream tests share it). */
import { join } from "node:path";
import { loadScenarioFile, simulateScenario } from "../../device/scenario/scenario-runner.js";
import { repoRoot } from "./faces.js";

export async function scenarioHarness() {
  return { loadScenarioFile, simulateScenario, scenariosDir: join(repoRoot, "simulator", "scenarios") };
}
