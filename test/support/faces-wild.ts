/**
 * Where the faces-in-the-wild set is: FACEGATE_FACES_WILD, else ../shared/faces-wild beside
 * the checkout (never copied into the repository). In CI (CI=true) a missing set fails the
 * run; elsewhere the suites that need it are skipped with a visible message.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { repoRoot } from "./faces.js";

export const wildDir: string = process.env["FACEGATE_FACES_WILD"] ? resolve(process.env["FACEGATE_FACES_WILD"]) : resolve(repoRoot, "..", "shared", "faces-wild");

export const wildAvailable: boolean = existsSync(join(wildDir, "pairs.csv")) && existsSync(join(wildDir, "images"));

if (!wildAvailable) {
  if (process.env["CI"] === "true") throw new Error(`faces-wild not found at ${wildDir} (set FACEGATE_FACES_WILD); CI requires it`);
  console.warn(`\n*** faces-wild not found at ${wildDir}: faces-wild accuracy tests are SKIPPED (set FACEGATE_FACES_WILD) ***\n`);
}
