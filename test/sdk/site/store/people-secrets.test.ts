import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadSodium } from "../../../../sdk/crypto/sodium.js";
import { SiteStoreError } from "../../../../sdk/site/store/site-store-error.js";
import type { SiteStore } from "../../../../sdk/site/store/site-store.js";
import { dbFiles, findBytes } from "../../../support/db-files.js";
import { freshSiteDb, gateInput, pgQuery, pgTextDump, SITE_ENGINES, type SiteDbFixture } from "../../../support/site-db.js";

const CARD_A = "8147293650";
const CARD_B = "5518820473";
const PIN = "903172";

/** Where the needles occur in what an examiner of the database sees: the SQLite files' bytes, or every text value of a PostgreSQL dump. */
async function leaks(f: SiteDbFixture, needles: string[]): Promise<string[]> {
  if (f.engine === "sqlite") return findBytes(dbFiles(f.path!), needles.map((n) => Buffer.from(n)));
  const dump = await pgTextDump(f.schema!);
  return needles.filter((n) => dump.includes(n));
}

async function rawUpdatePerson(f: SiteDbFixture, subjectRef: string, sealed: string, nonce: string): Promise<void> {
  if (f.engine === "sqlite") {
    const db = new Database(f.path!);
    db.prepare("UPDATE site_people SET secrets_sealed = ?, secrets_nonce = ? WHERE subject_ref = ?").run(sealed, nonce, subjectRef);
    db.close();
  } else {
    await pgQuery(f.schema!, "UPDATE site_people SET secrets_sealed = $1, secrets_nonce = $2 WHERE subject_ref = $3", [sealed, nonce, subjectRef]);
  }
}

async function rawPerson(f: SiteDbFixture, subjectRef: string): Promise<{ secrets_sealed: string; secrets_nonce: string }> {
  if (f.engine === "sqlite") {
    const db = new Database(f.path!, { readonly: true });
    try {
      return db.prepare("SELECT secrets_sealed, secrets_nonce FROM site_people WHERE subject_ref = ?").get(subjectRef) as { secrets_sealed: string; secrets_nonce: string };
    } finally {
      db.close();
    }
  }
  return (await pgQuery<{ secrets_sealed: string; secrets_nonce: string }>(f.schema!, "SELECT secrets_sealed, secrets_nonce FROM site_people WHERE subject_ref = $1", [subjectRef]))[0]!;
}

describe.each(SITE_ENGINES)("people and their secrets on $engine", ({ engine, available }) => {
  describe.skipIf(!available)(`${engine}`, () => {
    let f: SiteDbFixture;
    let store: SiteStore;
    beforeEach(async () => {
      f = await freshSiteDb(engine);
      store = await f.open();
      await store.addGate(await gateInput("b3-north", { groups: ["Building 3"] }));
      await store.addGate(await gateInput("b3-south", { groups: ["Building 3"] }));
      await store.addGate(await gateInput("car-park"));
    });
    afterEach(async () => {
      await f.cleanup();
    });

    it("keeps cards and PIN out of the database while reading them back through the store with the key", async () => {
      const person = await store.putPerson({ subjectRef: "res-0042", label: "Flat 3.12", cards: [CARD_A, CARD_B], pin: PIN, rights: { gates: ["car-park"], groups: ["Building 3"] } });
      expect(person).toMatchObject({ subjectRef: "res-0042", cardCount: 2, hasPin: true, rights: { gates: ["car-park"], groups: ["Building 3"] } });
      expect(JSON.stringify(person)).not.toContain(CARD_A);
      expect(await store.personSecrets("res-0042")).toEqual({ cards: [CARD_A, CARD_B], pin: PIN });
      await store.close();

      expect(await leaks(f, [CARD_A, CARD_B, PIN])).toEqual([]);

      // Positive control: the same scan finds a card number the moment one is written in the clear.
      const again = await f.open();
      await again.setMeta("control", `card ${CARD_A}`);
      await again.close();
      expect((await leaks(f, [CARD_A])).length).toBeGreaterThan(0);
    });

    it("does not open secrets under another service key, nor a sealed blob moved onto another person", async () => {
      await store.putPerson({ subjectRef: "res-a", label: "A", cards: [CARD_A], pin: PIN, rights: { gates: ["car-park"], groups: [] } });
      await store.putPerson({ subjectRef: "res-b", label: "B", cards: [CARD_B], rights: { gates: ["car-park"], groups: [] } });
      await store.close();

      const otherKey = await f.open({ dataKey: new Uint8Array(32).fill(9) });
      const err = await otherKey.personSecrets("res-a").catch((e: unknown) => e);
      expect((err as SiteStoreError).code).toBe("site_secret_unreadable");
      expect(await otherKey.getPerson("res-a")).toMatchObject({ label: "A", cardCount: 1 });
      await otherKey.close();

      const a = await rawPerson(f, "res-a");
      await rawUpdatePerson(f, "res-b", a.secrets_sealed, a.secrets_nonce);
      const reopened = await f.open();
      const swapped = await reopened.personSecrets("res-b").catch((e: unknown) => e);
      expect((swapped as SiteStoreError).code).toBe("site_secret_unreadable");
      expect(await reopened.personSecrets("res-a")).toEqual({ cards: [CARD_A], pin: PIN });
    });

    it("updates a person in place and finds the people of a gate through gates and groups", async () => {
      await store.putPerson({ subjectRef: "res-1", label: "One", cards: [CARD_A], rights: { gates: [], groups: ["Building 3"] } });
      await store.putPerson({ subjectRef: "res-2", label: "Two", cards: [CARD_B], rights: { gates: ["car-park"], groups: [] } });
      await store.putPerson({ subjectRef: "res-3", label: "Three", cards: [], pin: "4821", rights: { gates: ["b3-south", "car-park"], groups: [] }, schedule: { weekdays: [1, 2, 3], from: "07:00", to: "19:00" } });
      expect((await store.peopleForGate("b3-north")).map((p) => p.subjectRef)).toEqual(["res-1"]);
      expect((await store.peopleForGate("b3-south")).map((p) => p.subjectRef)).toEqual(["res-1", "res-3"]);
      expect((await store.peopleForGate("car-park")).map((p) => p.subjectRef)).toEqual(["res-2", "res-3"]);
      expect((await store.requirePerson("res-3")).schedule).toEqual({ weekdays: [1, 2, 3], from: "07:00", to: "19:00" });

      f.clock.advance(5000);
      const moved = await store.putPerson({ subjectRef: "res-2", label: "Two", cards: [CARD_B.toLowerCase()], rights: { gates: ["b3-north"], groups: [] } });
      expect(moved.createdAt).toBe(moved.updatedAt - 5000);
      expect((await store.peopleForGate("car-park")).map((p) => p.subjectRef)).toEqual(["res-3"]);
      expect((await store.peopleForGate("b3-north")).map((p) => p.subjectRef)).toEqual(["res-1", "res-2"]);

      await store.endPerson("res-1");
      expect((await store.peopleForGate("b3-north")).map((p) => p.subjectRef)).toEqual(["res-2"]);
      expect((await store.listPeople()).map((p) => p.subjectRef)).toEqual(["res-2", "res-3"]);
      expect((await store.listPeople({ includeEnded: true })).map((p) => p.subjectRef)).toEqual(["res-1", "res-2", "res-3"]);
    });

    it("refuses bad cards, PINs, rights and subjects without quoting the secret, and changes nothing", async () => {
      const bad = async (input: Parameters<SiteStore["putPerson"]>[0]): Promise<SiteStoreError> => {
        const err = await store.putPerson(input).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(SiteStoreError);
        return err as SiteStoreError;
      };
      const base = { subjectRef: "res-9", label: "Nine", cards: [CARD_A], rights: { gates: ["car-park"], groups: [] } };
      const pin = await bad({ ...base, pin: "12a4567" });
      expect(pin.code).toBe("site_input_invalid");
      expect(pin.message).toMatch(/^pin: a PIN must be 4-12 digits/);
      expect(pin.message).not.toContain("12a4567");
      const card = await bad({ ...base, cards: [`${CARD_A}!`] });
      expect(card.code).toBe("site_input_invalid");
      expect(card.message).not.toContain(CARD_A);
      expect((await bad({ ...base, rights: { gates: ["ghost"], groups: [] } })).code).toBe("site_unknown_gate");
      expect((await bad({ ...base, rights: { gates: [], groups: ["Building 9"] } })).code).toBe("site_unknown_group");
      expect((await bad({ ...base, subjectRef: "has space" })).code).toBe("site_input_invalid");
      expect(await store.listPeople({ includeEnded: true })).toEqual([]);
      expect(((await store.personSecrets("res-9").catch((e: unknown) => e)) as SiteStoreError).code).toBe("site_unknown_subject");
      expect(JSON.stringify(f.logs.records)).not.toContain(CARD_A);
    });

    it("keeps operators' command keys and passwords out of the database, and opens them with the key", async () => {
      const sodium = await loadSodium();
      const keys = sodium.crypto_sign_keypair();
      const password = "correct horse battery staple";
      const op = await store.addOperator({ id: "op-anna", name: "Anna (office)", role: "operator", password, commandSecretKey: keys.privateKey, commandPublicKey: Buffer.from(keys.publicKey).toString("base64") });
      expect(op).toMatchObject({ id: "op-anna", role: "operator", disabledAt: null });
      expect(Buffer.from(await store.operatorCommandKey("op-anna")).equals(Buffer.from(keys.privateKey))).toBe(true);
      await store.close();
      const secretB64 = Buffer.from(keys.privateKey).toString("base64");
      if (f.engine === "sqlite") {
        expect(findBytes(dbFiles(f.path!), [keys.privateKey.subarray(0, 32), Buffer.from(secretB64.slice(0, 40)), Buffer.from(password)])).toEqual([]);
      } else {
        const dump = await pgTextDump(f.schema!);
        expect(dump).not.toContain(secretB64.slice(0, 40));
        expect(dump).not.toContain(Buffer.from(keys.privateKey.subarray(0, 32)).toString("hex"));
        expect(dump).not.toContain(password);
        expect(dump).toContain("$argon2id$");
      }
    });
  });
});
