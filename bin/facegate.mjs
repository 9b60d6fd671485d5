#!/usr/bin/env node
// Entry point of the `facegate` command: runs the TypeScript CLI through tsx's loader,
// so the installed package needs no separate build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../device/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
