/**
 * The one deletion path (L7). Every trigger (deletion request, consent withdrawal,
 * consent expiry, access rights ended) runs `run()`:
 *
 *   one transaction:  end open consents (if the trigger ends them)
 *                     destroy templates + wrapped data key (crypto-shredding)
 *                     audit entry `deletion.completed`, signed receipt, event
 *                     a row of zeros written and deleted again (see scrubCellBuffer)
 *   then:             remove the subject from the in-memory gallery
 *                     checkpoint and truncate the WAL (secure_delete zeroed the pages)
 *
 * It needs no network: expiry is found with the injected clock (`sweepExpired`).
 */
import { randomUUID } from "node:crypto";
import type { AuditLog } from "../audit/audit-log.js";
import type { ConsentEndReason, ConsentRegistry } from "../consent/consent-registry.js";
import type { Signer } from "../crypto/keys.js";
import type { EventRecorder } from "../events/event.js";
import type { Logger } from "../log/logger.js";
import { type Db, checkpointTruncate } from "../store/database.js";
import { recordEvent } from "../store/record-event.js";
import type { Clock } from "../time/clock.js";
import type { TemplateVault } from "../vault/template-vault.js";
import { type DeletionReceipt, type DeletionTrigger, RECEIPT_FORMAT } from "../protocol/index.js";
import { signReceipt } from "../crypto/signatures.js";
import { DeletionError } from "./deletion-error.js";

/**
 * SQLite builds each new row in one buffer per database connection and keeps it, so the
 * last template stored stays in the process's memory, in part, long after its row was
 * deleted (found by test/device/runtime/memory-after-deletion.test.ts). Writing a row of
 * zeros as large as a page holds overwrites that buffer; deleting it again leaves the
 * table empty, and secure_delete zeroes the page.
 */
export function scrubCellBuffer(db: Db): void {
  const pageSize = db.pragma("page_size", { simple: true }) as number;
  // The largest payload a table leaf keeps on its page (usable size - 35), less room for the cell header.
  db.prepare("INSERT INTO deletion_scrub (pad) VALUES (zeroblob(?))").run(pageSize - 64);
  db.prepare("DELETE FROM deletion_scrub").run();
}

export interface DeletionServiceOptions {
  db: Db;
  vault: TemplateVault;
  consents: ConsentRegistry;
  audit: AuditLog;
  signer: Signer;
  clock: Clock;
  logger: Logger;
  events?: EventRecorder;
}

export interface DeletionRequest {
  subjectId: string;
  /** Who asked: operator key id, `resident`, `gate:<id>`... */
  actor: string;
}

const ENDS_CONSENT: Record<DeletionTrigger, ConsentEndReason | undefined> = {
  deletion_request: "deletion_request",
  consent_withdrawn: "withdrawn",
  access_ended: "access_ended",
  consent_expired: undefined, // already ended by time
};

export class DeletionService {
  private readonly o: DeletionServiceOptions;

  constructor(options: DeletionServiceOptions) {
    this.o = options;
  }

  /** A deletion request (resident at the gate, or an operator's signed command). */
  requestDeletion(request: DeletionRequest): DeletionReceipt {
    return this.run(request.subjectId, "deletion_request", request.actor);
  }

  /** Consent withdrawn: ends every open consent of the subject and deletes in the same transaction. */
  withdrawConsent(request: DeletionRequest): DeletionReceipt {
    return this.run(request.subjectId, "consent_withdrawn", request.actor);
  }

  /** The subject's access rights ended (moved out, card revoked by the operator). */
  accessEnded(request: DeletionRequest): DeletionReceipt {
    return this.run(request.subjectId, "access_ended", request.actor);
  }

  /**
   * Deletes the face data of every subject among `ended` (people whose access rights have
   * ended) that still holds some (L7, trigger `access_ended`). Runs on the device alone.
   */
  sweepRightsEnded(ended: readonly string[]): DeletionReceipt[] {
    return ended.map((s) => this.endRightsIfData(s)).filter((r): r is DeletionReceipt => typeof r === "object");
  }

  /**
   * Deletes every subject that holds face data without a consent valid at `now` (default:
   * the clock). Runs on the device alone; returns one receipt per subject deleted.
   */
  sweepExpired(now: number = this.o.clock.now()): DeletionReceipt[] {
    return this.o.vault
      .subjectsWithData()
      .map((s) => this.expireIfDue(s, now))
      .filter((r): r is DeletionReceipt => typeof r === "object");
  }

  /**
   * One subject of the expiry sweep: deletes its face data if it holds some without a
   * consent valid at `now` (trigger `consent_expired`): its receipt, undefined if nothing
   * was due, or "failed" (logged, not thrown: the next sweep retries).
   */
  expireIfDue(subjectId: string, now: number): DeletionReceipt | "failed" | undefined {
    if (this.o.consents.hasValidConsent(subjectId, now) || !this.o.vault.hasData(subjectId)) return undefined;
    try {
      return this.run(subjectId, "consent_expired", "device");
    } catch (err) {
      this.o.logger.error("expiry deletion failed; will retry at the next sweep", { subjectId, error: err as Error });
      return "failed";
    }
  }

  /** One subject whose access rights ended: deletes its face data if it holds some (trigger `access_ended`); failures logged. */
  endRightsIfData(subjectId: string): DeletionReceipt | "failed" | undefined {
    if (!this.o.vault.hasData(subjectId)) return undefined;
    try {
      return this.run(subjectId, "access_ended", "device");
    } catch (err) {
      this.o.logger.error("deletion at the end of access rights failed; will retry at the next sweep", { subjectId, error: err as Error });
      return "failed";
    }
  }

  /** Receipts issued for a subject, newest last. */
  receipts(subjectId: string): DeletionReceipt[] {
    return this.o.db
      .prepare<[string], { receipt: string }>("SELECT receipt FROM deletion_receipts WHERE subject_id = ? ORDER BY at, rowid")
      .all(subjectId)
      .map((r) => JSON.parse(r.receipt) as DeletionReceipt);
  }

  private run(subjectId: string, trigger: DeletionTrigger, actor: string): DeletionReceipt {
    const { db, vault, consents, audit, signer, clock, logger, events } = this.o;
    if (typeof subjectId !== "string" || subjectId === "") throw new DeletionError("subjectId: required");
    const endReason = ENDS_CONSENT[trigger];
    const receipt = db.transaction((): DeletionReceipt => {
      const ended = endReason ? consents.endConsents({ subjectId, reason: endReason, by: actor }) : [];
      const counts = vault.destroyRows(subjectId);
      scrubCellBuffer(db);
      const receiptId = randomUUID();
      const deleted = { templates: counts.templates, dataKeys: counts.dataKeys, consentsEnded: ended.length };
      const seq = audit.append({ type: "deletion.completed", actor, subject: subjectId, details: { receiptId, trigger, ...deleted } });
      const receipt = signReceipt(
        {
          format: RECEIPT_FORMAT,
          receiptId,
          siteId: consents.policy.siteId,
          processorId: consents.policy.processorId,
          subjectRef: subjectId,
          trigger,
          requestedBy: actor,
          deleted,
          at: clock.now(),
          audit: { seq, hash: audit.head().hash },
          deviceKeyId: signer.keyId,
        },
        signer,
      );
      db.prepare("INSERT INTO deletion_receipts (receipt_id, subject_id, at, receipt) VALUES (?, ?, ?, ?)").run(receiptId, subjectId, receipt.at, JSON.stringify(receipt));
      recordEvent(events, clock, { type: "privacy.deletion", category: "privacy", data: { subjectId, trigger, receipt } });
      return receipt;
    })();
    vault.removeFromSink(subjectId);
    try {
      if (!checkpointTruncate(db)) logger.warn("WAL checkpoint after deletion could not finish (the database was busy); retried at the next deletion or close");
    } catch (err) {
      logger.warn("WAL checkpoint after deletion failed; retried at the next deletion or close", { error: err as Error });
    }
    logger.info("subject deleted", { subjectId, trigger, templates: receipt.deleted.templates });
    return receipt;
  }
}
