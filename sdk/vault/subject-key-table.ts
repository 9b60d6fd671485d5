/**
 * The wrapped data keys of every subject that is not quarantined, read once at start-up
 * and numbered by slot (storage order). Unwrapping goes through KeyHierarchy only: the
 * KEK never leaves it (L5).
 */
import type { KeyHierarchy } from "../crypto/key-hierarchy.js";
import { IntegrityError } from "../errors.js";
import type { Db } from "../store/database.js";

export const DATA_KEY_BYTES = 32;

export class SubjectKeyTable {
  readonly subjectIds: string[] = [];
  readonly keyVersions: number[] = [];
  private readonly wrapped: Uint8Array[] = [];
  private readonly nonces: Uint8Array[] = [];
  private readonly slots = new Map<string, number>();

  constructor(db: Db, quarantined: ReadonlySet<string>) {
    const rows = db.prepare("SELECT subject_id, key_version, wrapped_key, nonce FROM subject_keys").raw().iterate() as Iterable<[string, number, Buffer, Buffer]>;
    for (const [subjectId, keyVersion, wrapped, nonce] of rows) {
      if (quarantined.has(subjectId)) continue;
      this.slots.set(subjectId, this.subjectIds.length);
      this.subjectIds.push(subjectId);
      this.keyVersions.push(keyVersion);
      this.wrapped.push(wrapped);
      this.nonces.push(nonce);
    }
  }

  get size(): number {
    return this.subjectIds.length;
  }

  /** Slot of a subject; undefined for a quarantined subject or one without a key (which the schema forbids). */
  slotOf(subjectId: string): number | undefined {
    return this.slots.get(subjectId);
  }

  /** Unwraps one subject's data key; throws `integrity_wrapped_key`. The caller wipes the key. */
  unwrap(keys: KeyHierarchy, slot: number): Uint8Array {
    const subjectId = this.subjectIds[slot]!;
    const key = keys.unwrapDataKey({ subjectId, keyVersion: this.keyVersions[slot]! }, { wrapped: this.wrapped[slot]!, nonce: this.nonces[slot]! });
    if (key.length !== DATA_KEY_BYTES) {
      keys.crypto.memzero(key);
      throw new IntegrityError("integrity_wrapped_key", "a data key has the wrong length", { subjectId });
    }
    return key;
  }
}

/** A template whose subject has no data key row (only a tampered database has one). */
export function noKeyError(subjectId: string): IntegrityError {
  return new IntegrityError("integrity_wrapped_key", "a template has no data key", { subjectId });
}
