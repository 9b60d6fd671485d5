/**
 * `facegate site people --config FILE [--json]`: residents as the site knows them, by
 * opaque subject reference: rights, how many cards, whether a PIN is held (never the
 * numbers), and per gate what is applied, pending or failed (with the error code).
 */
import { parseArgs, positionals, requireValue } from "../../cli/args.js";
import { type CliIo, EXIT } from "../../cli/cli-io.js";

export const summary = "residents by subject: rights, credentials held (counts only), work per gate";

export const usage = ["usage: facegate site people --config FILE [--json]", "  Card numbers and PINs are never shown; only how many are held."].join("\n");

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["config"], usage });
  positionals(args, []);
  const { withSiteStore } = await import("../store-command.js");
  const rows = await withSiteStore(requireValue(args, "config"), io, async (store) => {
    const people = await store.listPeople({ includeEnded: true });
    return Promise.all(
      people.map(async (p) => ({
        subjectRef: p.subjectRef,
        label: p.label,
        rights: p.rights,
        cardCount: p.cardCount,
        hasPin: p.hasPin,
        endedAt: p.endedAt,
        tombstoned: await store.isTombstoned(p.subjectRef),
        work: (await store.workOf(p.subjectRef)).map((w) => ({ gateId: w.gateId, kind: w.kind, state: w.state, ...(w.errorCode ? { error: w.errorCode } : {}) })),
      })),
    );
  });
  if (args.flags.has("json")) {
    io.out(JSON.stringify({ people: rows }));
    return EXIT.ok;
  }
  if (rows.length === 0) io.out("no residents yet");
  for (const r of rows) {
    const work = r.work.map((w) => `${w.gateId}:${w.kind}=${w.state}${w.error ? `(${w.error})` : ""}`).join(" ");
    io.out(`${r.subjectRef.padEnd(20)} cards ${r.cardCount} pin ${r.hasPin ? "yes" : "no"}${r.tombstoned ? " deleted" : ""}${r.endedAt !== null ? " ended" : ""}  ${work}`);
  }
  return EXIT.ok;
}
