/**
 * Run by `npm install` (postinstall): fetches and verifies the models. A failure makes
 * the install fail with a clear message, because the gate cannot run without them.
 */
import { defaultModelsDir } from "./manifest.js";
import { fetchModels } from "./fetch.js";

try {
  await fetchModels({ dir: defaultModelsDir(), progress: (line) => process.stderr.write(`${line}\n`) });
} catch (err) {
  process.stderr.write(`facegate: could not fetch the face models: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
