/**
 * The architecture as a check. Top level: `sdk` imports none of `device`, `simulator`,
 * `models`; `simulator` imports only `sdk`; nothing imports `test`. Inside `sdk`, every
 * folder has a layer, and a folder imports only folders of LOWER layers (so no two folders
 * import each other, directly or around a circle). Platform-free folders import no
 * `node:*` module and no package outside PLATFORM_FREE_PACKAGES; the compiler checks the
 * rest (sdk/tsconfig.platform-free.json, without Node's types). Only sdk/testing (the
 * contract suites for implementers) imports vitest.
 *
 * A new sdk folder must be given a layer here; that is the moment to think about what it
 * may depend on.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

/** Lowest first. `errors.ts` at the root of sdk is layer 0 as well. */
export const SDK_LAYERS: ReadonlyArray<{ layer: number; folders: readonly string[]; what: string }> = [
  { layer: 0, folders: ["schema", "time", "log"], what: "foundation: errors, the schema kit, clock and timers, the logger" },
  { layer: 1, folders: ["protocol"], what: "the wire contract: schemas, topics, canonical JSON, signed documents" },
  { layer: 2, folders: ["crypto", "hal", "matcher", "policy", "events", "vision"], what: "primitives: keys and signatures, hardware contracts, 1:N search, access rules, events, the face pipeline" },
  { layer: 3, folders: ["store", "gate", "osdp"], what: "the device database; the gate orchestrator (on ports only); the OSDP protocol (frames, Secure Channel)" },
  { layer: 4, folders: ["audit", "access", "transport"], what: "audit log, people and credentials, MQTT link and outbox" },
  { layer: 5, folders: ["consent", "operator"], what: "consent registry; the operator client" },
  { layer: 6, folders: ["vault", "site"], what: "encrypted templates; the site service (one office running every gate of an estate) and its database" },
  { layer: 7, folders: ["deletion"], what: "the one deletion path and receipts" },
  { layer: 8, folders: ["privacy"], what: "the secure store: keys, database, audit, consent, vault and deletion wired together" },
  { layer: 9, folders: ["commands"], what: "signed command processing and the device's handlers" },
  { layer: 10, folders: ["testing"], what: "contract suites for implementers (vitest), over the contracts below; nothing imports them" },
];

export const PLATFORM_FREE = ["schema", "time", "log", "protocol", "hal", "policy", "events", "gate"] as const;
export const PLATFORM_FREE_PACKAGES = ["@sinclair/typebox", "ajv"];

export interface Violation {
  file: string;
  imports: string;
  rule: string;
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']/gm;

export function importsOf(source: string): string[] {
  // Comments may quote imports; strip them first (line and block comments, not strings).
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
  const out: string[] = [];
  for (const m of code.matchAll(IMPORT)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

function top(path: string): string {
  return path.split("/")[0]!;
}

/** The sdk folder of a path under sdk/ (`errors.ts` and other root files count as the root). */
function sdkFolder(path: string): string | null {
  const parts = path.split("/");
  return parts[0] === "sdk" && parts.length > 2 ? parts[1]! : null;
}

const layerOf = new Map(SDK_LAYERS.flatMap((l) => l.folders.map((f) => [f, l.layer] as const)));

/** Checks a set of files (repository-relative path -> source). */
export function checkLayers(files: ReadonlyMap<string, string>): Violation[] {
  const violations: Violation[] = [];
  for (const [file, source] of files) {
    const from = top(file);
    const folder = sdkFolder(file);
    if (from === "sdk" && folder !== null && !layerOf.has(folder)) violations.push({ file, imports: "", rule: `sdk/${folder} has no layer in test/support/layer-check.ts` });
    for (const spec of importsOf(source)) {
      if (spec.startsWith("node:")) {
        if (folder && (PLATFORM_FREE as readonly string[]).includes(folder)) violations.push({ file, imports: spec, rule: `sdk/${folder} is platform-free: no node:* imports` });
        continue;
      }
      if (!spec.startsWith(".")) {
        const pkg = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
        if (pkg === "vitest" && folder !== "testing") violations.push({ file, imports: spec, rule: "only sdk/testing imports vitest: no test kit in production code" });
        if (folder && (PLATFORM_FREE as readonly string[]).includes(folder) && !PLATFORM_FREE_PACKAGES.includes(pkg)) {
          violations.push({ file, imports: spec, rule: `sdk/${folder} is platform-free: package ${pkg} is not allowed there` });
        }
        continue;
      }
      const target = normalize(join(dirname(file), spec));
      const to = top(target);
      if (to === "test" && from !== "test") violations.push({ file, imports: spec, rule: "nothing imports test/" });
      if (from === "sdk" && (to === "device" || to === "simulator" || to === "models")) violations.push({ file, imports: spec, rule: `sdk never imports ${to}/` });
      if (from === "simulator" && to !== "simulator" && to !== "sdk") violations.push({ file, imports: spec, rule: "simulator imports only sdk/" });
      if (from === "sdk" && to === "sdk" && folder !== null) {
        const into = sdkFolder(target);
        if (into === null || into === folder) continue;
        const a = layerOf.get(folder);
        const b = layerOf.get(into);
        if (a === undefined || b === undefined) continue;
        if (b >= a) violations.push({ file, imports: spec, rule: `sdk/${folder} (layer ${a}) may not import sdk/${into} (layer ${b}): only lower layers` });
      }
    }
  }
  return violations;
}

/** Every source file of the tree under `root` (sdk, device, simulator, models). */
export function readTree(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|mts|mjs|js)$/.test(name) && !name.endsWith(".d.ts")) files.set(relative(root, path), readFileSync(path, "utf8"));
    }
  };
  for (const t of ["sdk", "device", "simulator", "models"]) walk(join(root, t));
  return files;
}
