/**
 * `facegate site audit --config FILE [--gate G] [--json]`: per gate, how far the running
 * service has fetched and checked its audit log (last position, head hash, when), and
 * whether the chain is broken (since when, why, acknowledged). Exit 0, or 1 when a broken
 * chain is not acknowledged (the `audit_chain_broken` alarm), so a monitoring check can run it.
 */
import { parseArgs, positionals, requireValue } from "../../cli/args.js";
import { type CliIo, EXIT } from "../../cli/cli-io.js";

export const summary = "each gate's audit chain: checked up to where, broken since when (exit 1 on an unacknowledged break)";

export const usage = ["usage: facegate site audit --config FILE [--gate G] [--json]", "  Exit 1 when a gate's audit chain is broken and not acknowledged, else 0."].join("\n");

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["config", "gate"], usage });
  positionals(args, []);
  const only = args.values["gate"];
  const { withSiteStore } = await import("../store-command.js");
  const gates = await withSiteStore(requireValue(args, "config"), io, async (store) => {
    const ids = only !== undefined ? [(await store.requireGate(only)).gateId] : (await store.listGates()).map((g) => g.gateId);
    const out = [];
    for (const id of ids) {
      const c = await store.getAuditCursor(id);
      out.push({
        gateId: id,
        state: c.broken ? "broken" : c.verifiedAt === null ? "unchecked" : "ok",
        lastSequence: c.lastSequence,
        lastEntryHash: c.lastEntryHash,
        verifiedAt: c.verifiedAt,
        brokenAt: c.brokenAt,
        brokenDetail: c.brokenDetail,
        acknowledgedAt: c.acknowledgedAt,
        alarm: c.broken && c.acknowledgedAt === null,
      });
    }
    return out;
  });
  const alarms = gates.filter((g) => g.alarm).length;
  if (args.flags.has("json")) io.out(JSON.stringify({ gates, alarms }));
  else {
    if (gates.length === 0) io.out("no gates");
    for (const g of gates) {
      const when = (t: number | null): string => (t === null ? "never" : new Date(t).toISOString());
      io.out(
        g.state === "broken"
          ? `${g.gateId}  BROKEN since ${when(g.brokenAt)}: ${g.brokenDetail ?? ""}${g.alarm ? "  ALARM" : "  (acknowledged)"}`
          : `${g.gateId}  ${g.state}  up to entry ${g.lastSequence}  checked ${when(g.verifiedAt)}`,
      );
    }
  }
  return alarms > 0 ? EXIT.failure : EXIT.ok;
}
