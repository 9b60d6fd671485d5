/**
 * People, credentials, rights and gate policies, persisted in the device database
 * (MigrationSet "access"). Every change runs in one transaction that also checks L2 over
 * the result (no person with access rights may be left with face as the only way in)
 * and records its event, so a refused change leaves nothing behind.
 *
 * Card numbers and PINs are hashed before anything else happens and never reach logs,
 * events or errors. A face is never a credential here: it becomes one only through a
 * valid consent and an enrolled template, which live behind the PrivacyDesk (sdk/gate).
 */
import { randomUUID } from "node:crypto";
import { ConfigError, NotFoundError } from "../errors.js";
import { loadSodium, type Sodium } from "../crypto/sodium.js";
import { type PinHasher, workerPinHasher } from "../crypto/pin-hasher.js";
import type { EventRecorder } from "../events/event.js";
import type { Clock } from "../time/clock.js";
import type { Db } from "../store/database.js";
import { assertFaceAloneCapacity } from "../gate/face-alone-capacity.js";
import { type GatePolicy, parseGatePolicies } from "../policy/gate-policy.js";
import { type CredentialMatch, type CredentialRecord, type PersonAccess, assertNotFaceOnly } from "../policy/rights.js";
import type { WeeklySchedule } from "../policy/schedule.js";
import { PolicyTable } from "./policy-table.js";
import { type CardInput, type ParsedScope, type PersonInput, type PinInput, checkPersonRef, parseCard, parsePin, parseRights } from "./person-input.js";
import { type PinHashing, hashCard, hashPin, interactivePinHashing, normalizeCardNumber, pinPepper, verifyPinHash } from "./secrets.js";

export interface AccessStoreOptions {
  /** A database opened with `accessMigrations` among its migration sets. */
  db: Db;
  /** Device-held key for card hashes, 16-64 bytes (32 recommended). Copied; wiped by `close()`. */
  cardKey: Uint8Array;
  clock: Clock;
  /** Records access.* configuration events inside the transaction that makes the change. */
  recorder?: EventRecorder;
  /** PIN hashing limits; default interactive. Tests pass minimalPinHashing(). */
  pinHashing?: PinHashing;
  /** Where PINs are hashed and checked; default the process's worker thread (workerPinHasher). */
  pinHasher?: PinHasher;
  newId?: () => string;
  /**
   * Templates in the face gallery now: a face-alone policy whose target FPIR cannot be met
   * at this size is refused when loaded (face-alone-capacity.ts). Omitted: not checked.
   */
  galleryTemplates?: () => number;
}

interface PersonRow {
  person_ref: string;
  gates: string;
  valid_from: number | null;
  valid_until: number | null;
  schedule: string | null;
}

interface CredentialRow {
  id: string;
  person_ref: string;
  kind: "card" | "pin";
  gates: string | null;
  valid_from: number | null;
  valid_until: number | null;
  revoked: number;
  pin_hash: string | null;
}

const CRED_COLUMNS = "id, person_ref, kind, gates, valid_from, valid_until, revoked, pin_hash";

function toPerson(row: PersonRow): PersonAccess {
  return {
    personRef: row.person_ref,
    rights: {
      gates: JSON.parse(row.gates) as string[],
      validFrom: row.valid_from,
      validUntil: row.valid_until,
      schedule: row.schedule === null ? null : (JSON.parse(row.schedule) as WeeklySchedule),
    },
  };
}

function toCredential(row: CredentialRow): CredentialRecord {
  return {
    id: row.id,
    personRef: row.person_ref,
    kind: row.kind,
    gates: row.gates === null ? null : (JSON.parse(row.gates) as string[]),
    validFrom: row.valid_from,
    validUntil: row.valid_until,
    revoked: row.revoked !== 0,
  };
}

export async function createAccessStore(options: AccessStoreOptions): Promise<AccessStore> {
  return new AccessStore(options, await loadSodium(), options.pinHasher ?? workerPinHasher());
}

export class AccessStore {
  private readonly db: Db;
  private readonly cardKey: Uint8Array;
  private readonly clock: Clock;
  private readonly recorder: EventRecorder | undefined;
  private readonly pinHashing: PinHashing;
  private readonly pepper: { sodium: Sodium; key: Uint8Array };
  private readonly newId: () => string;
  private readonly galleryTemplates: (() => number) | undefined;
  private readonly gatePolicies: PolicyTable;

  /** Prefer `createAccessStore`, which loads libsodium (and its password hashing) first. */
  constructor(
    options: AccessStoreOptions,
    private readonly sodium: Sodium,
    private readonly pwhash: PinHasher,
  ) {
    if (!(options.cardKey instanceof Uint8Array) || options.cardKey.length < sodium.crypto_generichash_KEYBYTES_MIN || options.cardKey.length > sodium.crypto_generichash_KEYBYTES_MAX) {
      throw new ConfigError(`cardKey: must be ${sodium.crypto_generichash_KEYBYTES_MIN}-${sodium.crypto_generichash_KEYBYTES_MAX} bytes`);
    }
    this.db = options.db;
    this.cardKey = Uint8Array.from(options.cardKey);
    this.pepper = { sodium, key: pinPepper(sodium, this.cardKey) };
    this.clock = options.clock;
    this.recorder = options.recorder;
    this.pinHashing = options.pinHashing ?? interactivePinHashing();
    this.newId = options.newId ?? randomUUID;
    this.galleryTemplates = options.galleryTemplates;
    this.gatePolicies = new PolicyTable(this.db);
  }

  /** Wipes the card key copy. The store is unusable afterwards. */
  close(): void {
    this.sodium.memzero(this.cardKey);
    this.sodium.memzero(this.pepper.key);
  }

  // ---- gate policies -------------------------------------------------------------

  /**
   * Replaces the gate policies. Refused (nothing changes) if a policy is invalid or face
   * would become the only way in for anyone with rights at a gate (L2).
   */
  loadPolicies(raw: unknown): GatePolicy[] {
    const policies = parseGatePolicies(raw);
    if (this.galleryTemplates) assertFaceAloneCapacity(policies, this.galleryTemplates());
    const byGate = new Map(policies.map((p) => [p.gateId, p]));
    const now = this.clock.now();
    this.db.transaction(() => {
      for (const person of this.listPeople()) assertNotFaceOnly(person, this.credentialsOf(person.personRef), byGate);
      this.gatePolicies.replace(policies, now);
      this.event("access.policy_changed", { gates: policies.map((p) => ({ gateId: p.gateId, mode: p.mode })) });
    })();
    return policies;
  }

  /** Every gate policy, by gate id. The policies are a snapshot kept until the next change (policy-table.ts): shared and frozen. */
  policies(): GatePolicy[] {
    return this.gatePolicies.all();
  }

  /** The policy of one gate, from the same snapshot: no database read and no parsing per call. */
  policyFor(gateId: string): GatePolicy | null {
    return this.gatePolicies.get(gateId);
  }

  private policyMap(): Map<string, GatePolicy> {
    return new Map(this.policies().map((p) => [p.gateId, p]));
  }

  // ---- people ----------------------------------------------------------------------

  /**
   * Creates or updates a person's rights and adds the given cards and PINs, atomically.
   * Refused if face would be this person's only way in at any of their gates (L2).
   * PINs are hashed before the transaction starts (password hashing is deliberately slow).
   */
  async putPerson(input: PersonInput, path = "person"): Promise<PersonAccess> {
    const personRef = checkPersonRef(input?.personRef, `${path}.personRef`);
    const p = `people.${personRef}`;
    const rights = parseRights(input.rights, `${p}.rights`);
    const cards = (input.cards ?? []).map((c, i) => this.prepareCard(c, `${p}.cards[${i}]`));
    const pins = await Promise.all((input.pins ?? []).map((c, i) => this.preparePin(c, `${p}.pins[${i}]`)));
    const now = this.clock.now();
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO access_people (person_ref, gates, valid_from, valid_until, schedule, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(person_ref) DO UPDATE SET gates = excluded.gates, valid_from = excluded.valid_from, valid_until = excluded.valid_until,
             schedule = excluded.schedule, updated_at = excluded.updated_at`,
        )
        .run(personRef, JSON.stringify(rights.gates), rights.validFrom, rights.validUntil, rights.schedule ? JSON.stringify(rights.schedule) : null, now, now);
      const added = [...cards.map((c) => this.insertCard(personRef, c)), ...pins.map((c) => this.insertPin(personRef, c))];
      this.checkL2(personRef, p);
      this.event("access.person_updated", { personRef, gates: rights.gates, credentialsAdded: added.length });
    })();
    return this.person(personRef)!;
  }

  /** Revokes a card or PIN. Refused if it would leave face as the holder's only way in (L2). */
  revokeCredential(credentialId: string): CredentialRecord {
    let record: CredentialRecord | undefined;
    this.db.transaction(() => {
      const row = this.credentialRow(credentialId);
      if (!row) throw new NotFoundError(`credentials.${credentialId}: no such credential`, { credentialId });
      this.db.prepare("UPDATE access_credentials SET revoked = 1 WHERE id = ?").run(credentialId);
      this.checkL2(row.person_ref, `people.${row.person_ref}.credentials.${credentialId}`);
      this.event("access.credential_revoked", { personRef: row.person_ref, credentialId, kind: row.kind });
      record = toCredential({ ...row, revoked: 1 });
    })();
    return record!;
  }

  /**
   * Removes a person and all their credentials (access rights ended). The caller must
   * also delete their face templates through the PrivacyDesk (L7).
   */
  removePerson(personRef: string): void {
    this.db.transaction(() => {
      const res = this.db.prepare("DELETE FROM access_people WHERE person_ref = ?").run(personRef);
      if (res.changes === 0) throw new NotFoundError(`people.${personRef}: no such person`, { personRef });
      this.event("access.person_removed", { personRef });
    })();
  }

  person(personRef: string): PersonAccess | null {
    const row = this.db.prepare<[string], PersonRow>("SELECT person_ref, gates, valid_from, valid_until, schedule FROM access_people WHERE person_ref = ?").get(personRef);
    return row ? toPerson(row) : null;
  }

  /** People whose access rights ended at or before `at` (validUntil passed); L7: their face data goes too. */
  rightsEndedBy(at: number): string[] {
    return this.db
      .prepare<[number], { person_ref: string }>("SELECT person_ref FROM access_people WHERE valid_until IS NOT NULL AND valid_until <= ? ORDER BY person_ref")
      .all(at)
      .map((r) => r.person_ref);
  }

  /**
   * People whose access rights ended in (`from`, `to`], or were changed in that span to an
   * end at or before `to` (for the on-device sweep: what ended since it last looked).
   */
  rightsEndedBetween(from: number, to: number): string[] {
    return this.db
      .prepare<[number, number, number, number], { person_ref: string }>(
        "SELECT person_ref FROM access_people WHERE (valid_until > ? AND valid_until <= ?) OR (updated_at > ? AND valid_until <= ?) ORDER BY person_ref",
      )
      .all(from, to, from, to)
      .map((r) => r.person_ref);
  }

  /** The earliest end of someone's access rights after `at`, if any (for the on-device sweep). */
  nextRightsEndAfter(at: number): number | undefined {
    return this.db.prepare<[number], { t: number | null }>("SELECT MIN(valid_until) AS t FROM access_people WHERE valid_until > ?").get(at)?.t ?? undefined;
  }

  listPeople(): PersonAccess[] {
    return this.db.prepare<[], PersonRow>("SELECT person_ref, gates, valid_from, valid_until, schedule FROM access_people ORDER BY person_ref").all().map(toPerson);
  }

  /** A person's credentials as records (never the hashes). */
  credentialsOf(personRef: string): CredentialRecord[] {
    return this.db.prepare<[string], CredentialRow>(`SELECT ${CRED_COLUMNS} FROM access_credentials WHERE person_ref = ? ORDER BY created_at, id`).all(personRef).map(toCredential);
  }

  pinCredentialsOf(personRef: string): CredentialRecord[] {
    return this.credentialsOf(personRef).filter((c) => c.kind === "pin");
  }

  // ---- look-ups at the gate ---------------------------------------------------------

  /** The credential of a presented card: the live one, else a revoked one (so "revoked" can be told from "unknown"). */
  lookupCard(cardNumber: string): CredentialMatch | null {
    let normalized: string;
    try {
      normalized = normalizeCardNumber(cardNumber, "card");
    } catch {
      return null;
    }
    const hash = hashCard(this.sodium, this.cardKey, normalized);
    const row = this.db
      .prepare<[string], CredentialRow>(`SELECT ${CRED_COLUMNS} FROM access_credentials WHERE kind = 'card' AND card_hash = ? ORDER BY revoked, created_at DESC LIMIT 1`)
      .get(hash);
    return row ? this.match(row) : null;
  }

  lookupPinCode(code: string): CredentialMatch | null {
    const row = this.db
      .prepare<[string], CredentialRow>(`SELECT ${CRED_COLUMNS} FROM access_credentials WHERE kind = 'pin' AND pin_code = ? ORDER BY revoked, created_at DESC LIMIT 1`)
      .get(code);
    return row ? this.match(row) : null;
  }

  /** Checks a PIN against one PIN credential (constant-time inside libsodium). */
  async verifyPin(credentialId: string, pin: string): Promise<boolean> {
    const row = this.credentialRow(credentialId);
    if (!row || row.kind !== "pin" || row.pin_hash === null) return false;
    const verdict = await verifyPinHash(this.pwhash, row.pin_hash, pin, this.pepper);
    if (verdict === "legacy") {
      // A hash from before peppering: replaced now that the PIN is known to be right.
      const hash = await hashPin(this.pwhash, pin, this.pinHashing, this.pepper);
      this.db.prepare("UPDATE access_credentials SET pin_hash = ? WHERE id = ? AND pin_hash = ?").run(hash, credentialId, row.pin_hash);
    }
    return verdict !== false;
  }

  // ---- internals ----------------------------------------------------------------------

  private match(row: CredentialRow): CredentialMatch | null {
    const person = this.person(row.person_ref);
    return person ? { credential: toCredential(row), person } : null;
  }

  private credentialRow(id: string): CredentialRow | undefined {
    return this.db.prepare<[string], CredentialRow>(`SELECT ${CRED_COLUMNS} FROM access_credentials WHERE id = ?`).get(id);
  }

  private prepareCard(card: CardInput, path: string): ParsedScope & { hash: string; path: string } {
    const parsed = parseCard(card, path);
    return { gates: parsed.gates, validFrom: parsed.validFrom, validUntil: parsed.validUntil, hash: hashCard(this.sodium, this.cardKey, parsed.normalized), path };
  }

  private async preparePin(pin: PinInput, path: string): Promise<ParsedScope & { code: string; hash: string; path: string }> {
    const parsed = parsePin(pin, path);
    return { gates: parsed.gates, validFrom: parsed.validFrom, validUntil: parsed.validUntil, code: parsed.code, hash: await hashPin(this.pwhash, parsed.pin, this.pinHashing, this.pepper), path };
  }

  private insertCard(personRef: string, c: ParsedScope & { hash: string; path: string }): CredentialRecord {
    const id = this.newId();
    try {
      this.db
        .prepare("INSERT INTO access_credentials (id, person_ref, kind, card_hash, gates, valid_from, valid_until, created_at) VALUES (?, ?, 'card', ?, ?, ?, ?, ?)")
        .run(id, personRef, c.hash, c.gates ? JSON.stringify(c.gates) : null, c.validFrom, c.validUntil, this.clock.now());
    } catch (err) {
      if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE") throw new ConfigError(`${c.path}: this card is already issued to a live credential`, { path: c.path });
      throw err;
    }
    return { id, personRef, kind: "card", gates: c.gates, validFrom: c.validFrom, validUntil: c.validUntil, revoked: false };
  }

  private insertPin(personRef: string, c: ParsedScope & { code: string; hash: string; path: string }): CredentialRecord {
    const id = this.newId();
    try {
      this.db
        .prepare("INSERT INTO access_credentials (id, person_ref, kind, pin_code, pin_hash, gates, valid_from, valid_until, created_at) VALUES (?, ?, 'pin', ?, ?, ?, ?, ?, ?)")
        .run(id, personRef, c.code, c.hash, c.gates ? JSON.stringify(c.gates) : null, c.validFrom, c.validUntil, this.clock.now());
    } catch (err) {
      if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE") throw new ConfigError(`${c.path}.code: keypad user code ${c.code} is already in use`, { path: c.path });
      throw err;
    }
    return { id, personRef, kind: "pin", gates: c.gates, validFrom: c.validFrom, validUntil: c.validUntil, revoked: false };
  }

  private checkL2(personRef: string, path: string): void {
    const person = this.person(personRef);
    if (person) assertNotFaceOnly(person, this.credentialsOf(personRef), this.policyMap(), path);
  }

  private event(type: string, data: Record<string, unknown>): void {
    this.recorder?.record({ id: this.newId(), type, category: "access", at: this.clock.now(), data, auditRelevant: true });
  }
}
