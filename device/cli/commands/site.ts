/**
 * `facegate site <subcommand>`: the estate office's side (issue 13): one site service runs
 * every gate of an estate, and proves deletions with one certificate.
 *
 * This file is only the dispatcher. Each subcommand lives in its own file,
 * `device/site/cli/<name>.ts`, exporting
 *
 *   export const summary = "one line";                  // what it does
 *   export const usage = "usage: facegate site <name> ..."; // first line as shown, then explanations
 *   export async function run(argv: string[], io: CliIo): Promise<number>;
 *
 * and importing what only its run needs inside `run` (`await import(...)`), so that
 * `facegate --help` stays quick (it imports this file, hence every subcommand file). To add
 * a subcommand (`serve`, `gates`, `people`, `delete`, `deletions`, `evidence`): write its
 * file, then add ONE import line and ONE entry in SUBCOMMANDS below, both in alphabetical
 * order. `facegate site --help`, the help tests (test/device/cli/help.test.ts) and
 * `facegate site <name> --help` then cover it. Conventions: device/cli/usage.ts (help,
 * usage mistakes, exit 2) and device/cli/cli-io.ts (exit codes by error class).
 */
import type { CliIo } from "../cli-io.js";
import { commandUsage, dispatch, type Subcommand } from "../usage.js";
import * as audit from "../../site/cli/audit.js";
import * as deleteSubject from "../../site/cli/delete.js";
import * as deletions from "../../site/cli/deletions.js";
import * as evidence from "../../site/cli/evidence.js";
import * as gates from "../../site/cli/gates.js";
import * as keygen from "../../site/cli/keygen.js";
import * as operator from "../../site/cli/operator.js";
import * as people from "../../site/cli/people.js";
import * as serve from "../../site/cli/serve.js";
import * as verifyCertificate from "../../site/cli/verify-certificate.js";

/** A subcommand file's exports (see the header). */
interface SiteSubcommand extends Subcommand {
  summary: string;
}

const SUBCOMMANDS: Readonly<Record<string, SiteSubcommand>> = {
  audit,
  delete: deleteSubject,
  deletions,
  evidence,
  gates,
  keygen,
  operator,
  people,
  serve,
  "verify-certificate": verifyCertificate,
};

export const summary = "the estate office: the site service (serve), its gates, people and deletions, site key, offline check of certificates";
export const subcommands = Object.keys(SUBCOMMANDS);
export const usage = commandUsage("site", SUBCOMMANDS, [
  ...Object.entries(SUBCOMMANDS).map(([name, sub]) => `  ${name.padEnd(20)} ${sub.summary}`),
  "",
]);

export function run(argv: string[], io: CliIo): Promise<number> {
  return dispatch(argv, io, SUBCOMMANDS, usage);
}
