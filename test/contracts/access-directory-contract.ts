/**
 * The AccessDirectory port (sdk/gate/ports.ts) as a suite: what the gate asks of the
 * people, credentials and policies at the door. The fixture is given the site (gate
 * policies and people, in sdk/access's input format) and returns the directory the gate
 * would read, plus everything the implementation recorded (events, logs) as text, to
 * check a card number or PIN never reaches it.
 */
import { expect } from "vitest";
import type { AccessDirectory } from "../../sdk/gate/ports.js";
import { type Closable, type ContractOptions, type Obligation, registerContract } from "../../sdk/testing/contract-kit.js";

export interface SiteSpec {
  policies: unknown;
  people: ReadonlyArray<{ personRef: string; rights: { gates: string[] }; cards?: Array<{ cardNumber: string }>; pins?: Array<{ code: string; pin: string }> }>;
  /** Cards to revoke once the people are in. */
  revokeCards?: readonly string[];
}

export interface AccessDirectoryFixture extends Closable {
  directory(site: SiteSpec): Promise<AccessDirectory>;
  recorded(): string;
}

const SITE: SiteSpec = {
  policies: [
    { gateId: "lobby", mode: "face_or_card_or_pin" },
    { gateId: "garage", mode: "card_and_pin" },
  ],
  people: [
    { personRef: "p-amy", rights: { gates: ["lobby", "garage"] }, cards: [{ cardNumber: "A1B2C3D4" }], pins: [{ code: "101", pin: "482913" }] },
    { personRef: "p-bob", rights: { gates: ["lobby"] }, cards: [{ cardNumber: "0BB0B0B0" }, { cardNumber: "0BB0B0B1" }] },
  ],
  revokeCards: ["0BB0B0B1"],
};

export const accessDirectoryObligations: ReadonlyArray<Obligation<AccessDirectoryFixture>> = [
  {
    name: "policyFor gives a configured gate's policy, null for a gate it does not know",
    async check(f) {
      const d = await f.directory(SITE);
      expect(d.policyFor("lobby")).toMatchObject({ gateId: "lobby", mode: "face_or_card_or_pin" });
      expect(d.policyFor("garage")).toMatchObject({ gateId: "garage", mode: "card_and_pin" });
      expect(d.policyFor("nowhere")).toBeNull();
    },
  },
  {
    name: "person gives a person's access rights, null for someone it does not know",
    async check(f) {
      const d = await f.directory(SITE);
      expect(d.person("p-amy")).toMatchObject({ personRef: "p-amy", rights: { gates: ["lobby", "garage"] } });
      expect(d.person("p-nobody")).toBeNull();
    },
  },
  {
    name: "lookupCard gives the credential and holder of a presented card, as the reader reports it; null for an unknown or malformed number",
    async check(f) {
      const d = await f.directory(SITE);
      const match = d.lookupCard("A1B2C3D4");
      expect(match).toMatchObject({ credential: { kind: "card", personRef: "p-amy", revoked: false }, person: { personRef: "p-amy" } });
      expect(d.lookupCard("a1b2c3d4")?.credential.id, "hex digits in either case").toBe(match?.credential.id);
      expect(d.lookupCard("FFFF0000")).toBeNull();
      expect(d.lookupCard("not a card!")).toBeNull();
      expect(d.lookupCard("")).toBeNull();
    },
  },
  {
    name: "lookupCard tells a revoked card from an unknown one",
    async check(f) {
      const d = await f.directory(SITE);
      expect(d.lookupCard("0BB0B0B1")).toMatchObject({ credential: { revoked: true }, person: { personRef: "p-bob" } });
      expect(d.lookupCard("0BB0B0B0")).toMatchObject({ credential: { revoked: false } });
    },
  },
  {
    name: "lookupPinCode gives the PIN credential of a keypad user code, null for an unknown code",
    async check(f) {
      const d = await f.directory(SITE);
      expect(d.lookupPinCode("101")).toMatchObject({ credential: { kind: "pin", personRef: "p-amy" }, person: { personRef: "p-amy" } });
      expect(d.lookupPinCode("999")).toBeNull();
    },
  },
  {
    name: "pinCredentialsOf lists a person's PIN credentials and nothing else",
    async check(f) {
      const d = await f.directory(SITE);
      expect(d.pinCredentialsOf("p-amy").map((c) => c.kind)).toEqual(["pin"]);
      expect(d.pinCredentialsOf("p-bob")).toEqual([]);
      expect(d.pinCredentialsOf("p-nobody")).toEqual([]);
    },
  },
  {
    name: "verifyPin accepts the right PIN only, and only for a PIN credential",
    async check(f) {
      const d = await f.directory(SITE);
      const pin = d.lookupPinCode("101")!.credential.id;
      expect(await d.verifyPin(pin, "482913")).toBe(true);
      expect(await d.verifyPin(pin, "482914")).toBe(false);
      expect(await d.verifyPin(d.lookupCard("A1B2C3D4")!.credential.id, "482913"), "a card credential").toBe(false);
      expect(await d.verifyPin("no-such-credential", "482913")).toBe(false);
    },
  },
  {
    name: "never records a card number or a PIN, from set-up to look-up",
    async check(f) {
      const d = await f.directory(SITE);
      d.lookupCard("A1B2C3D4");
      d.lookupCard("FFFF0000");
      await d.verifyPin(d.lookupPinCode("101")!.credential.id, "482913");
      const text = f.recorded();
      expect(text, "positive control: the recorder saw the site being set up").toMatch(/p-amy/);
      for (const secret of ["A1B2C3D4", "0BB0B0B0", "0BB0B0B1", "FFFF0000", "482913"]) expect(text.toUpperCase()).not.toContain(secret);
    },
  },
];

export function accessDirectoryContract(options: ContractOptions<AccessDirectoryFixture>): void {
  registerContract("AccessDirectory contract (sdk/gate/ports.ts)", options, accessDirectoryObligations);
}
