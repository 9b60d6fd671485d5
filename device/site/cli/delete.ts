/**
 * `facegate site delete --config FILE --subject REF --reason R [--json]`: a deletion
 * request for every gate of the site (L7): the tombstone, the request and a
 * `subject.delete` for each gate are written in one transaction of the site database;
 * the running `facegate site serve` sends them (deletions before any other work), collects
 * each gate's signed receipt and issues the certificate. Follow it with `site deletions`.
 */
import { parseArgs, positionals, requireValue } from "../../cli/args.js";
import { type CliIo, EXIT, UsageError } from "../../cli/cli-io.js";

const REASONS = ["resident_request", "consent_withdrawn", "court_order", "end_of_tenancy"] as const;

export const summary = "request deletion of a subject's face data at every gate (the running service sends it)";

export const usage = [
  "usage: facegate site delete --config FILE --subject REF --reason R [--json]",
  `  R: ${REASONS.join(" | ")}. The request's deadline is the configuration's (default 5 days).`,
].join("\n");

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["config", "subject", "reason"], usage });
  positionals(args, []);
  const subject = requireValue(args, "subject");
  const reason = requireValue(args, "reason");
  if (!(REASONS as readonly string[]).includes(reason)) throw new UsageError(`--reason: must be one of ${REASONS.join(", ")}`);
  const [{ withSiteStore }, { randomUUID }] = await Promise.all([import("../store-command.js"), import("node:crypto")]);
  const request = await withSiteStore(requireValue(args, "config"), io, (store) => store.requestDeletion({ id: randomUUID(), subjectRef: subject, reason: reason as (typeof REASONS)[number] }));
  if (args.flags.has("json")) io.out(JSON.stringify({ id: request.id, subjectRef: request.subjectRef, gates: request.gates.map((g) => g.gateId), deadlineAt: request.deadlineAt }));
  else io.out(`deletion request ${request.id} for ${request.subjectRef} at ${request.gates.length} gates; deadline ${new Date(request.deadlineAt).toISOString()}`);
  return EXIT.ok;
}
