/**
 * The `facegate` command as a script: runs the CLI on this process's arguments and sets
 * the exit code. bin/facegate.mjs runs its build (dist/device/cli/facegate.js); in a
 * checkout, `npm run facegate -- ...` and the tests run this source through tsx.
 */
import { main } from "./main.js";

process.exitCode = await main(process.argv.slice(2));
