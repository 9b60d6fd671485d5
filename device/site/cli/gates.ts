/**
 * `facegate site gates --config FILE [--json]`: the site's gates as the registry knows
 * them: pinned key ids, online or offline, last seen, software, template count, and the
 * work each still owes (pending, sent, failed).
 */
import { parseArgs, positionals, requireValue } from "../../cli/args.js";
import { type CliIo, EXIT } from "../../cli/cli-io.js";

export const summary = "the site's gates: online, last seen, software, templates, work pending or failed";

export const usage = ["usage: facegate site gates --config FILE [--json]", "  Reads the site database; works while `facegate site serve` runs."].join("\n");

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv, { values: ["config"], usage });
  positionals(args, []);
  const [{ withSiteStore }, { keyIdFor }, { fromBase64 }] = await Promise.all([import("../store-command.js"), import("../../../sdk/crypto/keys.js"), import("../../../sdk/protocol/index.js")]);
  const rows = await withSiteStore(requireValue(args, "config"), io, async (store) => {
    const gates = await store.listGates();
    return Promise.all(
      gates.map(async (g) => ({
        gateId: g.gateId,
        name: g.name,
        groups: g.groups,
        deviceKeyId: keyIdFor(fromBase64(g.signPublicKey)!),
        online: g.status.online,
        lastSeenAt: g.status.lastSeenAt,
        software: g.status.softwareVersion,
        templates: g.status.templateCount,
        work: { pending: await store.countWork(g.gateId, "pending"), sent: await store.countWork(g.gateId, "sent"), failed: await store.countWork(g.gateId, "failed") },
      })),
    );
  });
  if (args.flags.has("json")) {
    io.out(JSON.stringify({ gates: rows }));
    return EXIT.ok;
  }
  if (rows.length === 0) io.out("no gates yet (list them in the configuration's gates)");
  for (const r of rows) {
    const seen = r.lastSeenAt === null ? "never seen" : `last seen ${new Date(r.lastSeenAt).toISOString()}`;
    io.out(`${r.gateId.padEnd(16)} ${(r.online ? "online" : "offline").padEnd(8)} ${seen}  templates ${r.templates ?? "?"}  work pending ${r.work.pending}, sent ${r.work.sent}, failed ${r.work.failed}  key ${r.deviceKeyId}`);
  }
  return EXIT.ok;
}
