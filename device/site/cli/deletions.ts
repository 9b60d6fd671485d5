/**
 * `facegate site deletions --config FILE [--json]`: every deletion request with its age,
 * the gates whose receipts are in and those still missing, whether the certificate is
 * issued, and the overdue alarm (older than the deadline, default 5 days). Exit 0, or 1
 * when any open request is overdue (so a monitoring check can run it).
 */
import { parseArgs, positionals, requireValue } from "../../cli/args.js";
import { type CliIo, EXIT } from "../../cli/cli-io.js";

export const summary = "deletion requests: age, receipts in and missing, certificate, overdue alarm (exit 1 if any)";

export const usage = [
  "usage: facegate site deletions --config FILE [--json]",
  "  Exit 1 when an open request is past its deadline (default 5 days), else 0.",
].join("\n");

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["config"], usage });
  positionals(args, []);
  const [{ withSiteStore, age }, { systemClock }] = await Promise.all([import("../store-command.js"), import("../../../sdk/time/clock.js")]);
  const now = systemClock.now();
  const rows = await withSiteStore(requireValue(args, "config"), io, async (store) => {
    const subjects = new Set((await store.listPeople({ includeEnded: true })).map((p) => p.subjectRef));
    const all = (await Promise.all([...subjects].map((s) => store.deletionRequestsOf(s)))).flat();
    return all
      .sort((a, b) => a.requestedAt - b.requestedAt)
      .map((r) => {
        const missing = r.gates.filter((g) => g.receipt === null).map((g) => g.gateId);
        return {
          id: r.id,
          subjectRef: r.subjectRef,
          reason: r.reason,
          requestedAt: r.requestedAt,
          deadlineAt: r.deadlineAt,
          ageMs: (r.completedAt ?? now) - r.requestedAt,
          state: r.completedAt !== null ? "complete" : missing.length === 0 ? "complete_pending_certificate" : "open",
          receipts: r.gates.length - missing.length,
          expected: r.gates.length,
          missingGates: missing,
          certificate: r.certificate !== null,
          overdue: r.completedAt === null && now >= r.deadlineAt,
        };
      });
  });
  const overdue = rows.filter((r) => r.overdue).length;
  if (args.flags.has("json")) io.out(JSON.stringify({ deletions: rows, overdue }));
  else {
    if (rows.length === 0) io.out("no deletion requests");
    for (const r of rows) {
      io.out(
        `${r.id}  ${r.subjectRef}  ${r.reason}  ${r.state}  receipts ${r.receipts}/${r.expected}${r.missingGates.length ? ` (missing ${r.missingGates.join(", ")})` : ""}  age ${age(r.ageMs)}${r.overdue ? "  OVERDUE" : ""}`,
      );
    }
  }
  return overdue > 0 ? EXIT.failure : EXIT.ok;
}
