/**
 * Debian's Chromium for the console tests, driven by playwright-core (no browser download).
 * FACEGATE_CHROMIUM overrides the path. When it is absent: in CI (CI=true) that is a failure;
 * elsewhere the browser suites skip with a visible message.
 */
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

export const chromiumPath = process.env["FACEGATE_CHROMIUM"] ?? "/usr/bin/chromium";
export const chromiumAvailable = existsSync(chromiumPath);

if (!chromiumAvailable) {
  if (process.env["CI"] === "true") throw new Error(`chromium not found at ${chromiumPath}: CI requires it (.ci/run installs Debian's chromium)`);
  console.warn(`\n*** chromium not found at ${chromiumPath}: the console browser tests are SKIPPED (apt-get install chromium, or set FACEGATE_CHROMIUM) ***\n`);
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
}
