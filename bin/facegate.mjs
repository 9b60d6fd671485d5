#!/usr/bin/env node
// Entry point of the `facegate` command: the built CLI in dist/ (plain JavaScript, no
// TypeScript loader at run time). `npm run build` makes it; `npm install` in a checkout
// and `npm pack` run the build (the `prepare` script).
import { existsSync } from "node:fs";

const built = new URL("../dist/device/cli/facegate.js", import.meta.url);
if (!existsSync(built)) {
  process.stderr.write("facegate: the package is not built (dist/ is missing): run `npm run build` in its folder\n");
  process.exit(1);
}
await import(built.href);
