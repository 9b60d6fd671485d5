/**
 * Start-up decryption of the whole vault into a TemplateSink (L5, L6). Templates are read
 * in storage order (a sequential scan: start-up must index 100,000 templates in seconds);
 * each subject's data key is unwrapped once, on first use, and every key is wiped at
 * the end. Each template is opened, handed to the sink (which copies it) and wiped.
 * A subject whose key or any template fails authentication is removed from the sink
 * again and reported in `failures`; the vault then quarantines it.
 */
import type { KeyHierarchy } from "../crypto/key-hierarchy.js";
import { IntegrityError } from "../errors.js";
import type { TemplateSink } from "../matcher/template-sink.js";
import type { Db } from "../store/database.js";
import { openTemplate } from "./template-codec.js";

export interface LoadProgress {
  done: number;
  total: number;
}

export interface LoadSummary {
  subjects: number;
  templates: number;
  /** Subjects quarantined now or earlier; none of them is in the sink. */
  quarantined: string[];
  /** Subjects that failed during this load, with the failure code. */
  failures: Map<string, string>;
}

interface TemplateRow {
  id: string;
  subject_id: string;
  key_version: number;
  nonce: Buffer;
  ciphertext: Buffer;
}

interface KeyRow {
  subject_id: string;
  key_version: number;
  wrapped_key: Buffer;
  nonce: Buffer;
}

const FAILED = null;

export function loadVault(options: { db: Db; keys: KeyHierarchy; sink: TemplateSink; onProgress?: (p: LoadProgress) => void }): LoadSummary {
  const { db, keys, sink, onProgress } = options;
  const sodium = keys.crypto;
  const quarantined = new Set(db.prepare<[], { subject_id: string }>("SELECT subject_id FROM quarantine").all().map((r) => r.subject_id));
  const wrapped = new Map(db.prepare<[], KeyRow>("SELECT subject_id, key_version, wrapped_key, nonce FROM subject_keys").all().map((r) => [r.subject_id, r]));
  const total = db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM templates WHERE subject_id NOT IN (SELECT subject_id FROM quarantine)").get()!.n;
  const dataKeys = new Map<string, Uint8Array | typeof FAILED>();
  const added = new Map<string, number>();
  const failures = new Map<string, string>();
  const fail = (subjectId: string, err: unknown): void => {
    failures.set(subjectId, err instanceof IntegrityError ? err.code : "integrity_unknown");
    const key = dataKeys.get(subjectId);
    if (key) sodium.memzero(key);
    dataKeys.set(subjectId, FAILED);
  };
  let done = 0;
  try {
    for (const row of db.prepare<[], TemplateRow>("SELECT id, subject_id, key_version, nonce, ciphertext FROM templates").iterate()) {
      if (quarantined.has(row.subject_id)) continue;
      done++;
      let key = dataKeys.get(row.subject_id);
      if (key === undefined) {
        const k = wrapped.get(row.subject_id)!; // the foreign key guarantees it exists
        try {
          key = keys.unwrapDataKey({ subjectId: row.subject_id, keyVersion: k.key_version }, { wrapped: k.wrapped_key, nonce: k.nonce });
          dataKeys.set(row.subject_id, key);
        } catch (err) {
          fail(row.subject_id, err);
          key = FAILED;
        }
      }
      if (key !== FAILED) {
        try {
          // The template's key_version is in its associated data: a row claiming another
          // version than its subject's key fails to open.
          if (row.key_version !== wrapped.get(row.subject_id)!.key_version) throw new IntegrityError("integrity_template", "template key version does not match its subject key");
          const embedding = openTemplate(sodium, key, { subjectId: row.subject_id, templateId: row.id, keyVersion: row.key_version }, { nonce: row.nonce, ciphertext: row.ciphertext });
          sink.add(row.subject_id, row.id, embedding);
          embedding.fill(0);
          added.set(row.subject_id, (added.get(row.subject_id) ?? 0) + 1);
        } catch (err) {
          fail(row.subject_id, err);
        }
      }
      if (onProgress && done % 1000 === 0) onProgress({ done, total });
    }
  } finally {
    for (const key of dataKeys.values()) if (key) sodium.memzero(key);
  }
  onProgress?.({ done, total });
  let templates = 0;
  let subjects = 0;
  for (const [subjectId, n] of added) {
    if (failures.has(subjectId)) sink.remove(subjectId);
    else {
      templates += n;
      subjects++;
    }
  }
  for (const s of failures.keys()) quarantined.add(s);
  return { subjects, templates, quarantined: [...quarantined].sort(), failures };
}
