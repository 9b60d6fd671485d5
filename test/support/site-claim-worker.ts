/**
 * Child process for the site store's claim test: one service instance in its own process,
 * as deployed. Opens the site database, claims a gate's work in small batches until none
 * is left, marks each claimed item sent, and prints the subject refs it claimed as JSON.
 * Usage: node --import tsx site-claim-worker.ts JSON  with JSON = { where, dataKeyHex, holder, gateId, at, startAt }
 */
import { silentLogger } from "../../sdk/log/logger.js";
import { openSiteStore } from "../../sdk/site/store/open-site-store.js";
import { ManualClock } from "../../sdk/time/clock.js";

const args = JSON.parse(process.argv[2] ?? "{}") as { where: { url?: string; path?: string; schema?: string }; dataKeyHex: string; holder: string; gateId: string; at: number; startAt: number };
const store = await openSiteStore({ ...args.where, clock: new ManualClock(args.at), logger: silentLogger, dataKey: new Uint8Array(Buffer.from(args.dataKeyHex, "hex")), passwordLimits: { opsLimit: 1, memLimit: 8192 } });
// Both workers start claiming at the same wall-clock moment, whatever their start-up time.
await new Promise((r) => setTimeout(r, Math.max(0, args.startAt - Date.now())));
const got: string[] = [];
for (;;) {
  const batch = await store.claimWork(args.gateId, { holder: args.holder, leaseMs: 60_000, limit: 7 });
  if (batch.length === 0) break;
  for (const w of batch) {
    got.push(w.subjectRef);
    await store.markWorkSent(w, `cmd-${args.holder}-${w.subjectRef}`);
  }
}
await store.close();
process.stdout.write(`${JSON.stringify(got)}\n`);
