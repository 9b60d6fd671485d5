/**
 * Offline verification of an audit export (L8): a third party needs only the export and
 * the device public signing key. Checks, in order:
 *   1. positions run 1, 2, 3... without gaps (a removed entry is named);
 *   2. every entry's hash is SHA-256(previous hash + canonical content) (an edited entry
 *      is named);
 *   3. every checkpoint is signed by the device key and matches the entry it names (a
 *      chain rewritten with fresh hashes is caught here);
 *   4. the last entry is covered by a signed checkpoint (removing entries at the tail
 *      cannot go unnoticed);
 *   5. times never run back by more than MAX_CLOCK_STEP_BACK_MS: the chain proves the
 *      order, so an entry dated well before the one ahead of it means the device clock was
 *      set back, and the times from there on prove nothing (a log whose times jump back
 *      400 days is not accepted as evidence of when things happened).
 */
import { AUDIT_EXPORT_FORMAT, type AuditCheckpoint, type AuditEntry, type AuditExport, checkpointMessage, fromBase64, GENESIS_HASH } from "../protocol/index.js";
import { keyIdFor, verifyDetached } from "../crypto/keys.js";
import { loadSodium } from "../crypto/sodium.js";
import { entryHash } from "./entry-hash.js";

export interface AuditVerification {
  ok: boolean;
  entries: number;
  checkpoints: number;
  /** Hash of the last entry that verified. */
  head: string;
  /** The first entry (by position) that does not verify, and why. */
  firstBroken?: { seq: number; reason: string };
}

/** How far back one entry's time may be from the previous entry's (a clock corrected by NTP moves by seconds). */
export const MAX_CLOCK_STEP_BACK_MS = 60 * 60_000;

export type VerifyFn = (message: string, signature: Uint8Array, publicKey: Uint8Array) => boolean;

export function verifyAuditChain(options: {
  entries: readonly AuditEntry[];
  checkpoints: readonly AuditCheckpoint[];
  publicKey: Uint8Array;
  verify: VerifyFn;
  /** Exports must end in a signed checkpoint; the live log may have an unsigned tail. Default true. */
  requireSignedTail?: boolean;
  /**
   * A later part of a log whose head up to `seq` (hash, time of that entry) was verified
   * before: the entries must run on from seq + 1 and link to `hash`; checkpoints at or
   * before `seq` are not checked again. Default: the whole log, from the genesis hash.
   */
  start?: { seq: number; hash: string; at?: number };
}): AuditVerification {
  const { entries, checkpoints, publicKey } = options;
  const result = (head: string, firstBroken?: { seq: number; reason: string }): AuditVerification => ({
    ok: firstBroken === undefined,
    entries: entries.length,
    checkpoints: checkpoints.length,
    head,
    ...(firstBroken ? { firstBroken } : {}),
  });
  const base = options.start?.seq ?? 0;
  let prev = options.start?.hash ?? GENESIS_HASH;
  const hashes = new Map<number, string>();
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const expected = base + i + 1;
    if (e.seq !== expected) return result(prev, { seq: expected, reason: `entry ${expected} is missing (found ${e.seq} in its place)` });
    if (e.prevHash !== prev) return result(prev, { seq: e.seq, reason: "does not link to the previous entry" });
    let recomputed: string;
    try {
      recomputed = entryHash(e);
    } catch {
      return result(prev, { seq: e.seq, reason: "content is not canonical JSON" });
    }
    if (recomputed !== e.hash) return result(prev, { seq: e.seq, reason: "content does not match its hash (edited)" });
    hashes.set(e.seq, e.hash);
    prev = e.hash;
  }
  const keyId = keyIdFor(publicKey);
  let covered = base;
  const sorted = [...checkpoints].filter((cp) => cp.seq > base).sort((a, b) => a.seq - b.seq);
  for (const cp of sorted) {
    const signature = (typeof cp.signature === "string" ? fromBase64(cp.signature) : undefined) ?? new Uint8Array(0);

    const firstUncovered = covered + 1;
    if (cp.keyId !== keyId || !options.verify(checkpointMessage(cp), signature, publicKey)) {
      return result(prev, { seq: Math.min(firstUncovered, cp.seq), reason: `checkpoint at ${cp.seq} is not signed by the device key ${keyId}` });
    }
    if (hashes.get(cp.seq) !== cp.head) {
      return result(prev, { seq: Math.min(firstUncovered, cp.seq), reason: `entries ${firstUncovered}..${cp.seq} do not match the signed checkpoint at ${cp.seq} (rewritten or removed)` });
    }
    covered = cp.seq;
  }
  if ((options.requireSignedTail ?? true) && base + entries.length > covered) {
    return result(prev, { seq: covered + 1, reason: `entries from ${covered + 1} on are not covered by a signed checkpoint` });
  }
  const startAt = options.start?.at;
  if (startAt !== undefined && entries.length > 0 && startAt - entries[0]!.at > MAX_CLOCK_STEP_BACK_MS) {
    return result(prev, { seq: entries[0]!.seq, reason: `is dated ${describeSpan(startAt - entries[0]!.at)} before entry ${base}: the device clock was set back, and times from here on prove nothing` });
  }
  for (let i = 1; i < entries.length; i++) {
    const back = entries[i - 1]!.at - entries[i]!.at;
    if (back > MAX_CLOCK_STEP_BACK_MS) {
      return result(prev, { seq: entries[i]!.seq, reason: `is dated ${describeSpan(back)} before entry ${entries[i - 1]!.seq}: the device clock was set back, and times from here on prove nothing` });
    }
  }
  return result(prev);
}

function describeSpan(ms: number): string {
  const days = ms / 86_400_000;
  return days >= 1 ? `${Math.round(days)} days` : `${Math.round(ms / 60_000)} minutes`;
}

/** Verifies a parsed export document against the device public signing key. */
export async function verifyAuditExport(doc: unknown, publicKey: Uint8Array): Promise<AuditVerification> {
  const sodium = await loadSodium();
  const d = doc as Partial<AuditExport> | null;
  if (!d || d.format !== AUDIT_EXPORT_FORMAT || !Array.isArray(d.entries) || !Array.isArray(d.checkpoints)) {
    return { ok: false, entries: 0, checkpoints: 0, head: GENESIS_HASH, firstBroken: { seq: 1, reason: `not a ${AUDIT_EXPORT_FORMAT} document` } };
  }
  return verifyAuditChain({
    entries: d.entries,
    checkpoints: d.checkpoints,
    publicKey,
    verify: (message, signature, pk) => verifyDetached(sodium, signature, message, pk),
  });
}
