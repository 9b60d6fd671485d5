/**
 * The site's side of a deletion (L7) once the requests are out: each gate's `subject.delete`
 * result must carry a receipt that proves it (receipt-check.ts: signed by THAT gate's
 * pinned key, this site, this subject, not older than the request), which is recorded; when
 * every expected gate's receipt is in, the site deletion certificate is issued with the
 * site key (sdk/site/certificate) and stored. Also each request's age and state, and the
 * overdue alarms (deadline default 5 days).
 *
 * Receipts of many gates arrive together, and on PostgreSQL from concurrent transactions:
 * whether all are in is read afresh, one check at a time, so exactly one certificate is
 * issued and none is missed.
 */
import type { Signer } from "../../crypto/keys.js";
import type { Logger } from "../../log/logger.js";
import type { CommandResultMessage } from "../../protocol/index.js";
import type { Clock } from "../../time/clock.js";
import { issueCertificate } from "../certificate/issue-certificate.js";
import type { DeletionRequestRow, SiteStore, WorkRow } from "../store/site-store.js";
import { checkReceipt } from "./receipt-check.js";
import { SiteServiceError } from "./site-service-error.js";

export type DeletionState = "open" | "complete_pending_certificate" | "complete";

export interface DeletionStatus {
  request: DeletionRequestRow;
  state: DeletionState;
  receipts: number;
  expected: number;
  missingGates: string[];
  ageMs: number;
  overdue: boolean;
}

export interface SiteAlarm {
  kind: "deletion_overdue" | "certificate_missing";
  requestId: string;
  ageMs: number;
  deadlineAt: number;
  missingGates: string[];
}

export interface DeletionDeskOptions {
  store: SiteStore;
  siteId: string;
  clock: Clock;
  logger: Logger;
  randomId: () => string;
  /** The gate's signing key as pinned in the site's records. */
  gateKey(gateId: string): Uint8Array | undefined;
  siteKey?: Signer;
}

export class DeletionDesk {
  private completions: Promise<void> = Promise.resolve();
  /** Receipts refused (forged, another gate's, another subject's). */
  refusedReceipts = 0;

  constructor(private readonly o: DeletionDeskOptions) {}

  /** A successful `subject.delete` result: its receipt recorded, or a SiteServiceError (the work fails, the refusal counted and logged without personal data). */
  async onDeleted(item: WorkRow, result: CommandResultMessage): Promise<void> {
    const request = await this.requestFor(item);
    const gateKey = this.o.gateKey(item.gateId);
    if (!request || !gateKey) throw new SiteServiceError("site_receipt_refused", "a deletion result for no open request");
    const receipt = (result.result as { receipt?: unknown } | undefined)?.receipt;
    const check = await checkReceipt(receipt, { siteId: this.o.siteId, subjectRef: item.subjectRef, gateKey, requestedAt: request.requestedAt });
    if (!check.ok) {
      this.refusedReceipts++;
      this.o.logger.warn("refused a deletion receipt", { gate: item.gateId, request: request.id, why: check.reason });
      throw new SiteServiceError("site_receipt_refused", check.reason, { gate: item.gateId, request: request.id });
    }
    await this.o.store.recordReceipt({ requestId: request.id, gateId: item.gateId, receipt: JSON.stringify(check.receipt), verifiedAt: this.o.clock.now() });
    await this.serially(async () => {
      const fresh = await this.o.store.getDeletionRequest(request.id);
      if (fresh && fresh.completedAt === null && fresh.gates.every((g) => g.receipt !== null)) await this.complete(fresh);
    });
  }

  /** Requests whose receipts are all in but which have no certificate yet: issues it now. */
  async completePending(): Promise<number> {
    let n = 0;
    await this.serially(async () => {
      for (const r of await this.o.store.openDeletionRequests()) if (r.gates.every((g) => g.receipt !== null) && (await this.complete(r))) n++;
    });
    return n;
  }

  async status(requestId: string): Promise<DeletionStatus> {
    const request = await this.o.store.getDeletionRequest(requestId);
    if (!request) throw new SiteServiceError("site_service_input_invalid", `no deletion request ${requestId}`);
    const now = this.o.clock.now();
    const missingGates = request.gates.filter((g) => g.receipt === null).map((g) => g.gateId);
    const state: DeletionState = request.completedAt !== null ? "complete" : missingGates.length === 0 ? "complete_pending_certificate" : "open";
    return {
      request,
      state,
      receipts: request.gates.length - missingGates.length,
      expected: request.gates.length,
      missingGates,
      ageMs: (request.completedAt ?? now) - request.requestedAt,
      overdue: request.completedAt === null && now >= request.deadlineAt,
    };
  }

  /**
   * Open deletion requests past their deadline (default 5 days), as alarms: `deletion_overdue`
   * while gates have not answered, `certificate_missing` when every receipt is in but no
   * certificate could be issued.
   */
  async alarms(): Promise<SiteAlarm[]> {
    const now = this.o.clock.now();
    return (await this.o.store.overdueDeletionRequests(now)).map((r) => {
      const missingGates = r.gates.filter((g) => g.receipt === null).map((g) => g.gateId);
      return { kind: missingGates.length > 0 ? "deletion_overdue" : "certificate_missing", requestId: r.id, ageMs: now - r.requestedAt, deadlineAt: r.deadlineAt, missingGates };
    });
  }

  private async serially(fn: () => Promise<void>): Promise<void> {
    const run = this.completions.then(fn);
    this.completions = run.catch(() => undefined);
    await run;
  }

  private async requestFor(item: WorkRow): Promise<DeletionRequestRow | null> {
    if (item.ref) return this.o.store.getDeletionRequest(item.ref);
    const open = (await this.o.store.deletionRequestsOf(item.subjectRef)).filter((r) => r.completedAt === null);
    return open.sort((a, b) => b.requestedAt - a.requestedAt)[0] ?? null;
  }

  private async complete(request: DeletionRequestRow): Promise<boolean> {
    const siteKey = this.o.siteKey;
    if (!siteKey || request.completedAt !== null) return false;
    const gates = await Promise.all(request.gates.map(async (g) => ({ gateId: g.gateId, signingPublicKey: (await this.o.store.requireGate(g.gateId)).signPublicKey })));
    let certificate;
    try {
      certificate = await issueCertificate({
        request: { requestId: request.id, siteId: this.o.siteId, subjectRef: request.subjectRef, reason: request.reason, requestedAt: request.requestedAt },
        gates,
        receipts: request.gates.map((g) => ({ gateId: g.gateId, receipt: JSON.parse(g.receipt!) as unknown })),
        siteKey,
        clock: this.o.clock,
        newId: this.o.randomId,
      });
    } catch (err) {
      // The receipts stay; the request shows complete-pending-certificate and completePending tries again.
      this.o.logger.error("the site deletion certificate could not be issued", { request: request.id, error: err });
      return false;
    }
    await this.o.store.completeDeletion(request.id, JSON.stringify(certificate), this.o.clock.now());
    this.o.logger.info("deletion complete at every gate; certificate issued", { request: request.id, gates: gates.length });
    return true;
  }
}
