/**
 * Child process for the crash-safety test: opens the secure store in DIR and enrolls,
 * deletes and withdraws in a loop until it is killed (SIGKILL) by the parent. Prints
 * `ready` once the store is open. Usage: node --import tsx crash-worker.ts DIR SEED
 */
import { join } from "node:path";
import { FileKeyProvider } from "../../sdk/crypto/key-provider.js";
import { silentLogger } from "../../sdk/log/logger.js";
import { openSecureStore } from "../../sdk/privacy/secure-store.js";
import { systemClock } from "../../sdk/time/clock.js";
import { DAY, RecordingSink, embedding, sampleNotice, testConfig } from "./secure-store-fixture.js";

const [dir, seedArg] = process.argv.slice(2);
if (!dir) throw new Error("usage: crash-worker.ts DIR SEED");
let seed = Number(seedArg ?? 1);
const rand = (n: number): number => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed % n;
};

const sink = new RecordingSink();
const store = await openSecureStore({
  dbPath: join(dir, "device.db"),
  keyProvider: new FileKeyProvider({ path: join(dir, "master.key") }),
  clock: systemClock,
  logger: silentLogger,
  sink,
  config: { ...testConfig, auditCheckpointEvery: 7 },
});
const notice = store.consents.publishNotice(sampleNotice());
store.vault.loadInto(sink);
process.stdout.write("ready\n");

for (let i = 0; ; i++) {
  const subjectId = `s${rand(40)}`;
  const op = rand(10);
  if (op < 6) {
    if (!store.consents.validConsent({ subjectId, gateId: "gate-a" })) {
      store.consents.give({
        subjectId, siteId: "site-1", processorId: "proc-1", gateIds: ["gate-a"], purpose: "entry_verification", noticeHash: notice.hash,
        separate: true, method: "electronic", evidenceRef: `sha256:${i}`, collectedBy: "crash-test", expiresAt: systemClock.now() + 30 * DAY,
      });
    }
    if (store.vault.counts(subjectId).templates < 7) {
      const n = 1 + rand(3);
      store.vault.enroll({ subjectId, gateId: "gate-a", embeddings: Array.from({ length: n }, (_, k) => embedding(i * 3 + k)) });
    }
  } else if (op < 8) {
    store.deletion.requestDeletion({ subjectId, actor: "crash-test" });
  } else if (op < 9) {
    store.deletion.withdrawConsent({ subjectId, actor: "resident" });
  } else {
    store.audit.append({ type: "command.executed", actor: "op-key", details: { command: "noop", i } });
  }
}
