/**
 * Writes the golden files of test/golden/ from this tree: every scenario's normalised
 * event stream, and the demo's normalised output. Run it only when a change of behaviour
 * is intended, and say so in the commit:
 *   node --import tsx test/support/write-golden.ts [OUT_DIR]
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { normalizeText, scenarioStream } from "./normalize-output.js";
import { repoRoot } from "./faces.js";
import { scenarioHarness } from "./scenario-harness.js";

const out = resolve(process.argv[2] ?? join(repoRoot, "test", "golden"));
mkdirSync(join(out, "scenarios"), { recursive: true });
const { loadScenarioFile, simulateScenario, scenariosDir } = await scenarioHarness();
for (const file of readdirSync(scenariosDir).filter((f) => f.endsWith(".json")).sort()) {
  const result = await simulateScenario(await loadScenarioFile(join(scenariosDir, file)));
  writeFileSync(join(out, "scenarios", file.replace(/\.json$/, ".stream.json")), `${scenarioStream(result)}\n`);
  console.log(`${file}: ${result.passed ? "passed" : "FAILED"}, ${result.events.length} events`);
}
const { main } = await import(join(repoRoot, "device", "cli", "main.ts"));
const lines: string[] = [];
const code = await (main as (argv: string[], io: unknown) => Promise<number>)(["demo"], {
  out: (t: string) => lines.push(t),
  err: (t: string) => lines.push(`stderr: ${t}`),
  env: process.env,
  cwd: repoRoot,
});
writeFileSync(join(out, "demo-output.txt"), `${normalizeText(lines.join("\n"), repoRoot)}\nexit ${code}\n`);
console.log(`demo: exit ${code}`);
