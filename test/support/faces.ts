/**
 * Where the face fixtures are: FACEGATE_FACES, else ../shared/faces beside the checkout.
 * In CI (CI=true) missing fixtures fail the run; elsewhere the suites that need them are
 * skipped with a visible message.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

export const facesDir: string = process.env["FACEGATE_FACES"] ? resolve(process.env["FACEGATE_FACES"]) : resolve(root, "..", "shared", "faces");

export const facesAvailable: boolean = existsSync(join(facesDir, "identities"));

if (!facesAvailable) {
  if (process.env["CI"] === "true") {
    throw new Error(`face fixtures not found at ${facesDir} (set FACEGATE_FACES); CI requires them`);
  }
  console.warn(`\n*** face fixtures not found at ${facesDir}: face-fixture tests are SKIPPED (set FACEGATE_FACES) ***\n`);
}

export function facePath(...parts: string[]): string {
  return join(facesDir, ...parts);
}

export const repoRoot = root;
