/**
 * The device's registry of operator public keys and their roles. Keys are enrolled once at
 * installation from configuration; after that the registry changes only through
 * `operator.key_add` / `operator.key_remove` commands signed by an admin key. Removed keys
 * stay in the table (with when and by whom) so the audit trail keeps naming them (L12).
 */
import { ConfigError } from "../errors.js";
import { CommandError } from "../protocol/command-error.js";

import { fromBase64, OPERATOR_ROLES, type OperatorRole } from "../protocol/index.js";
import type { Clock } from "../time/clock.js";
import type { Db } from "../store/database.js";
import { ED25519_PUBLIC_KEY_BYTES, keyIdFor } from "../crypto/keys.js";
import type { AuditSink } from "./ports.js";

export interface OperatorKeyRecord {
  keyId: string;
  publicKey: Uint8Array;
  role: OperatorRole;
  label: string;
  addedAt: number;
  addedBy: string | null;
  removedAt: number | null;
  removedBy: string | null;
}

/** An installation-time key from the device configuration. */
export interface OperatorKeyConfig {
  /** Ed25519 public key, base64. */
  publicKey: string;
  role: OperatorRole;
  label: string;
}

interface Row {
  key_id: string;
  public_key: string;
  role: OperatorRole;
  label: string;
  added_at: number;
  added_by: string | null;
  removed_at: number | null;
  removed_by: string | null;
}

const toRecord = (r: Row): OperatorKeyRecord => ({
  keyId: r.key_id,
  publicKey: new Uint8Array(Buffer.from(r.public_key, "base64")),
  role: r.role,
  label: r.label,
  addedAt: r.added_at,
  addedBy: r.added_by,
  removedAt: r.removed_at,
  removedBy: r.removed_by,
});

export function decodePublicKey(path: string, b64: string): Uint8Array {
  const pk = fromBase64(b64);
  if (!pk || pk.length !== ED25519_PUBLIC_KEY_BYTES) throw new ConfigError(`${path}: must be a base64 Ed25519 public key (32 bytes)`);
  return pk;
}

export class OperatorRegistry {
  constructor(private readonly options: { db: Db; clock: Clock; audit: AuditSink }) {}

  get(keyId: string): OperatorKeyRecord | undefined {
    const row = this.options.db.prepare<[string], Row>("SELECT * FROM operator_keys WHERE key_id = ?").get(keyId);
    return row ? toRecord(row) : undefined;
  }

  active(): OperatorKeyRecord[] {
    return this.options.db.prepare<[], Row>("SELECT * FROM operator_keys WHERE removed_at IS NULL ORDER BY added_at, key_id").all().map(toRecord);
  }

  /**
   * Enrolls the installation keys, only while the registry is empty (first start). Later
   * starts leave the registry alone: returns "ignored" so the caller can warn that
   * configuration no longer changes keys. Needs at least one admin key.
   */
  enrollFromConfig(keys: readonly OperatorKeyConfig[]): "enrolled" | "ignored" {
    const { db, clock, audit } = this.options;
    const count = db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM operator_keys").get()!.n;
    if (count > 0) return "ignored";
    if (!keys.some((k) => k.role === "admin")) throw new ConfigError("operatorKeys: at least one key with role admin is required");
    const decoded = keys.map((k, i) => {
      if (!OPERATOR_ROLES.includes(k.role)) throw new ConfigError(`operatorKeys[${i}].role: must be one of ${OPERATOR_ROLES.join(", ")}`);
      if (typeof k.label !== "string" || k.label.length === 0 || k.label.length > 100) throw new ConfigError(`operatorKeys[${i}].label: must be 1-100 characters`);
      return { ...k, pk: decodePublicKey(`operatorKeys[${i}].publicKey`, k.publicKey) };
    });
    db.transaction(() => {
      for (const k of decoded) {
        const keyId = keyIdFor(k.pk);
        db.prepare("INSERT INTO operator_keys (key_id, public_key, role, label, added_at, added_by) VALUES (?, ?, ?, ?, ?, NULL)").run(
          keyId,
          Buffer.from(k.pk).toString("base64"),
          k.role,
          k.label,
          clock.now(),
        );
        audit.append({ type: "operator.key_enrolled", subject: keyId, details: { role: k.role, label: k.label, source: "installation" } });
      }
    })();
    return "enrolled";
  }

  /** Adds (or re-activates with a new role) a key; `by` is the admin key that signed. */
  add(publicKey: Uint8Array, role: OperatorRole, label: string, by: string): string {
    const { db, clock, audit } = this.options;
    const keyId = keyIdFor(publicKey);
    db.transaction(() => {
      db.prepare(
        `INSERT INTO operator_keys (key_id, public_key, role, label, added_at, added_by) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (key_id) DO UPDATE SET role = excluded.role, label = excluded.label, added_at = excluded.added_at,
           added_by = excluded.added_by, removed_at = NULL, removed_by = NULL`,
      ).run(keyId, Buffer.from(publicKey).toString("base64"), role, label, clock.now(), by);
      audit.append({ type: "operator.key_added", actor: by, subject: keyId, details: { role, label } });
    })();
    return keyId;
  }

  /** Removes a key. The last active admin key cannot be removed (the device would be unmanageable). */
  remove(keyId: string, by: string): void {
    const { db, clock, audit } = this.options;
    db.transaction(() => {
      const key = this.get(keyId);
      if (!key || key.removedAt !== null) throw new CommandError("not_found", `operator key ${keyId} is not active`, { keyId });
      if (key.role === "admin" && this.active().filter((k) => k.role === "admin").length <= 1) {
        throw new CommandError("last_admin_key", "the last admin key cannot be removed; add another admin key first");
      }
      db.prepare("UPDATE operator_keys SET removed_at = ?, removed_by = ? WHERE key_id = ?").run(clock.now(), by, keyId);
      audit.append({ type: "operator.key_removed", actor: by, subject: keyId, details: { role: key.role, label: key.label } });
    })();
  }
}
