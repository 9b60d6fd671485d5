/**
 * The AccessDirectory suite over sdk/access's AccessStore, the one implementation (every
 * gate test uses it, on an in-memory database): as written, and as a restarted device
 * reads it from its database file. The suite is there for the next implementation (a
 * policy snapshot refreshed on change, issue 10 item 4).
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { type AccessStore, accessMigrations, createAccessStore, minimalPinHashing } from "../../sdk/access/index.js";
import { MemoryEventRecorder } from "../../sdk/events/event.js";
import { type Db, openDatabase } from "../../sdk/store/database.js";
import type { ManualClock } from "../../sdk/time/clock.js";
import { tempDir } from "../support/secure-store-fixture.js";
import { type AccessDirectoryFixture, type SiteSpec, accessDirectoryContract } from "./access-directory-contract.js";

const CARD_KEY = new Uint8Array(32).fill(7);

async function write(store: AccessStore, site: SiteSpec): Promise<void> {
  store.loadPolicies(site.policies);
  for (const person of site.people) await store.putPerson(person);
  for (const card of site.revokeCards ?? []) store.revokeCredential(store.lookupCard(card)!.credential.id);
}

function accessStore(reopen: boolean) {
  return async ({ clock }: { clock: ManualClock }): Promise<AccessDirectoryFixture> => {
    const dir = tempDir("fg-access-contract-");
    const events = new MemoryEventRecorder();
    const open: Array<{ db: Db; store: AccessStore }> = [];
    const openStore = async () => {
      const db = openDatabase({ path: reopen ? join(dir, "device.db") : ":memory:", migrations: [accessMigrations] });
      const store = await createAccessStore({ db, cardKey: CARD_KEY, clock, recorder: events, pinHashing: minimalPinHashing() });
      open.push({ db, store });
      return open.at(-1)!;
    };
    return {
      async directory(site) {
        const first = await openStore();
        await write(first.store, site);
        if (!reopen) return first.store;
        first.store.close();
        first.db.close();
        return (await openStore()).store;
      },
      recorded: () => JSON.stringify(events.events),
      close() {
        for (const { db, store } of open) {
          if (db.open) {
            store.close();
            db.close();
          }
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  };
}

accessDirectoryContract({ name: "AccessStore (sdk/access)", create: accessStore(false) });
accessDirectoryContract({ name: "AccessStore reopened from its database file", create: accessStore(true) });
