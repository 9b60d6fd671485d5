/**
 * The AuditSink port (sdk/commands/ports.ts) as a suite: a synchronous append that joins
 * the caller's transaction, read back in log order, and signed checkpoints that make an
 * export verifiable offline with the device key alone (L8, L12). The optional methods
 * (size, read, checkpoint, checkpoints) are required here: with them audit.export works,
 * and every sink the device uses has them.
 */
import { expect } from "vitest";
import { verifyAuditExport } from "../../sdk/audit/audit-verify.js";
import type { AuditSink } from "../../sdk/commands/ports.js";
import { FacegateError } from "../../sdk/errors.js";
import { AUDIT_EXPORT_FORMAT, type AuditExport, toBase64 } from "../../sdk/protocol/index.js";
import type { Db } from "../../sdk/store/database.js";
import { type Closable, type ContractOptions, type Obligation, registerContract } from "../../sdk/testing/contract-kit.js";

export type FullAuditSink = Required<AuditSink>;

export interface AuditSinkFixture extends Closable {
  sink: FullAuditSink;
  /** The database the log lives in, where the changes it records are made. */
  db: Db;
  /** The device signing key the checkpoints are signed with. */
  device: { keyId: string; publicKey: Uint8Array };
}

function exportOf(f: AuditSinkFixture, at: number): AuditExport {
  return {
    format: AUDIT_EXPORT_FORMAT,
    exportedAt: at,
    device: { keyId: f.device.keyId, signingPublicKey: toBase64(f.device.publicKey) },
    entries: f.sink.read(0, f.sink.size()),
    checkpoints: f.sink.checkpoints(),
  };
}

const entry = (i: number) => ({ type: "command.executed", actor: `key-${i % 2}`, subject: `p-${i}`, details: { command: "person.upsert", n: i } });

export const auditSinkObligations: ReadonlyArray<Obligation<AuditSinkFixture>> = [
  {
    name: "append is synchronous and returns the entry's position, one after the last; size() counts the entries",
    async check(f) {
      const base = f.sink.size();
      expect(f.sink.append(entry(1))).toBe(base + 1);
      expect(f.sink.append(entry(2))).toBe(base + 2);
      expect(f.sink.size()).toBe(base + 2);
    },
  },
  {
    name: "read(offset, limit) gives entries [offset, offset + limit) in log order, each as appended (type, actor, subject, details)",
    async check(f) {
      const base = f.sink.size();
      for (let i = 1; i <= 3; i++) f.sink.append(entry(i));
      const got = f.sink.read(base, 2);
      expect(got.map((e) => e.seq)).toEqual([base + 1, base + 2]);
      expect(got.map(({ type, actor, subject, details }) => ({ type, actor, subject, details }))).toEqual([entry(1), entry(2)]);
      expect(f.sink.read(base + 2, 10).map((e) => e.seq)).toEqual([base + 3]);
      expect(f.sink.read(base + 3, 10)).toEqual([]);
      expect(f.sink.read(0, f.sink.size()).map((e) => e.seq)).toEqual(Array.from({ length: base + 3 }, (_, i) => i + 1));
    },
  },
  {
    name: "append joins the caller's transaction: a rollback leaves no entry and the chain intact (L8)",
    async check(f, env) {
      const base = f.sink.size();
      expect(() =>
        f.db.transaction(() => {
          f.sink.append(entry(1));
          throw new Error("the change failed");
        })(),
      ).toThrow("the change failed");
      expect(f.sink.size()).toBe(base);
      f.db.transaction(() => f.sink.append(entry(2)))();
      expect(f.sink.size()).toBe(base + 1);
      f.sink.checkpoint();
      expect((await verifyAuditExport(exportOf(f, env.clock.now()), f.device.publicKey)).ok).toBe(true);
    },
  },
  {
    name: "checkpoint() signs the current head, so an export ending there verifies offline with the device key (L8)",
    async check(f, env) {
      for (let i = 1; i <= 3; i++) f.sink.append(entry(i));
      const cp = f.sink.checkpoint();
      expect(cp?.seq).toBe(f.sink.size());
      expect(cp?.keyId).toBe(f.device.keyId);
      const result = await verifyAuditExport(JSON.parse(JSON.stringify(exportOf(f, env.clock.now()))), f.device.publicKey);
      expect(result).toMatchObject({ ok: true, entries: f.sink.size() });
    },
  },
  {
    name: "an export with an edited entry, or entries past the last checkpoint, does not verify (the positive control of the above)",
    async check(f, env) {
      for (let i = 1; i <= 3; i++) f.sink.append(entry(i));
      f.sink.checkpoint();
      const edited = structuredClone(exportOf(f, env.clock.now()));
      edited.entries.at(-2)!.actor = "someone-else";
      expect((await verifyAuditExport(edited, f.device.publicKey)).ok).toBe(false);
      f.sink.append(entry(4));
      expect((await verifyAuditExport(exportOf(f, env.clock.now()), f.device.publicKey)).ok, "an unsigned tail").toBe(false);
    },
  },
  {
    name: "checkpoints() lists every signed checkpoint in log order, each with its seq",
    async check(f) {
      const before = f.sink.checkpoints().length;
      f.sink.append(entry(1));
      const first = f.sink.checkpoint()!.seq;
      f.sink.append(entry(2));
      f.sink.append(entry(3));
      const second = f.sink.checkpoint()!.seq;
      const seqs = f.sink.checkpoints().map((c) => c.seq);
      expect(seqs.slice(before)).toEqual([first, second]);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    },
  },
  {
    name: "refuses details that are binary or look like an embedding, and keeps nothing of them (L4, L8)",
    async check(f) {
      const base = f.sink.size();
      for (const details of [{ v: new Float32Array(4) }, { v: Array.from({ length: 512 }, () => 0.1) }]) {
        let thrown: unknown;
        try {
          f.sink.append({ type: "command.executed", details: details as Record<string, unknown> });
        } catch (err) {
          thrown = err;
        }
        expect(thrown).toBeInstanceOf(FacegateError);
        expect((thrown as FacegateError).code).toBe("audit_invalid");
      }
      expect(f.sink.size()).toBe(base);
    },
  },
];

export function auditSinkContract(options: ContractOptions<AuditSinkFixture>): void {
  registerContract("AuditSink contract (sdk/commands/ports.ts)", options, auditSinkObligations);
}
