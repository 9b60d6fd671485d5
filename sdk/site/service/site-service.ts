/**
 * The site service (issue 13): one process for one estate's office that runs every gate.
 *
 * - Gate registry: gates are added with their keys, pinned in the store; the retained gate
 *   state and notice are watched through OperatorClient.watch with the pinned keys, so
 *   anything signed by another key is dropped and counted (`rejectedMessages`).
 * - Residents, consent and enrollment once for the site: each becomes a work item per gate
 *   in scope, sent as a command signed by the service's operator key (L12) with its secrets
 *   sealed to that gate's box key (work-sender.ts). The photo of an enrollment is sealed to
 *   each gate at once and held only in memory until sent; it is never stored.
 * - Deletion for every gate (L7): tombstone, request and a `subject.delete` for every gate
 *   in one store transaction; each gate's signed receipt verified against its pinned key
 *   (receipt-check.ts); when all are in, the site certificate (an `issueCertificate` port)
 *   is issued and stored. Pending consent and enrollment work of the subject is cancelled.
 *
 * Everything the service depends on is passed in: store, clock, timers, logger, the
 * operator key, the id source. Nothing is ever matched by a person's name.
 */
import { loadSodium } from "../../crypto/sodium.js";
import { type EventMessage, type GateStateMessage, type NoticeMessage, OPAQUE_ID, fromBase64, toBase64, validateBody } from "../../protocol/index.js";
import { buildCommand, type SigningKey } from "../../operator/command-builder.js";
import { OperatorClient, type OperatorClientOptions, type Watch } from "../../operator/operator-client.js";
import type { Clock } from "../../time/clock.js";
import type { Timers } from "../../time/timers.js";
import type { Logger } from "../../log/logger.js";
import type { DeletionReason, DeletionRequestRow, GateRow, PersonRow, Scope, SiteEventInput, SiteStore, WorkKey, WorkRow } from "../store/site-store.js";
import type { Signer } from "../../crypto/keys.js";
import { DeletionDesk, type DeletionStatus, type SiteAlarm } from "./deletion-desk.js";
import { SiteServiceError } from "./site-service-error.js";
import { TransportError } from "../../errors.js";
import { keyString, type SenderGate, WorkSender } from "./work-sender.js";
import { type ReEnrollment, TemplateRelay, type TemplateSyncState } from "./template-relay.js";
import { type AuditAlarm, type AuditChainStatus, type AuditCollectOutcome, AuditCollector } from "./audit-collector.js";
import { buildEvidenceBundle, type EvidenceBundle } from "./evidence-bundle.js";
import { WorkClaims } from "./work-claims.js";

export interface SiteMqttOptions extends Omit<OperatorClientOptions, "logger" | "prefix"> {
  prefix: string;
}

export interface SiteServiceOptions {
  store: SiteStore;
  siteId: string;
  mqtt: SiteMqttOptions;
  clock: Clock;
  timers: Timers;
  logger: Logger;
  /** Signs every command; its public key is enrolled at each gate. */
  operatorKey: SigningKey;
  /** A fresh opaque id (commands, consents, requests). */
  randomId: () => string;
  /** Signs site deletion certificates (sdk/site/certificate); absent: requests stay complete-pending-certificate. */
  siteKey?: Signer;
  /** Opaque reference of the office recorded as having collected consents. Default "site-office". */
  collectedBy?: string;
  /** Default 5 minutes. */
  commandTtlMs?: number;
  /** Default 10 s. */
  commandTimeoutMs?: number;
  /** How often unanswered work is tried again. Default 30 s. */
  retryMs?: number;
  /**
   * MQTT 5 shared subscription group for events: instances of the service in one group
   * (on one database) each get a share of the events, every event stored once. Needs a
   * persistent session (`mqtt.clientId`) so none is lost while an instance is away.
   */
  shareEvents?: string;
  /** false: this instance stores events and follows the gates but sends no work (another instance does). Default true. */
  sendWork?: boolean;
  /**
   * Work shared with other instances on one database: each item is claimed (store
   * `claimWork`, lease renewed while in flight) before it is sent, so both instances send
   * work and no item is sent by both (work-claims.ts). `holder`: one id per process.
   * Default lease: 3 x commandTimeoutMs.
   */
  shareWork?: { holder: string; leaseMs?: number };
  /** How often every gate's audit log is collected and checked (audit-collector.ts); absent or 0: on demand only. */
  auditIntervalMs?: number;
  /** Audit entries asked for per `audit.export` chunk. Default 500. */
  auditChunk?: number;
}

export interface AddGate {
  gateId: string;
  name?: string;
  signingPublicKey: Uint8Array | string;
  boxPublicKey: Uint8Array | string;
  groups?: string[];
}

export interface RegisterPerson {
  subject: string;
  label?: string;
  cards?: string[];
  pin?: string;
  rights: Partial<Scope>;
  schedule?: unknown;
  /** The acting operator's key: the commands of this action are signed with it (L12). Default the service's key. */
  actor?: SigningKey;
}

export interface RecordConsent {
  subject: string;
  scope: Partial<Scope>;
  /** SHA-256 (hex) of the signed written form; the form stays in the office. */
  evidenceHash: string;
  noticeVersion: string;
  expiresAt: number;
  /** The acting operator's key (L12). */
  actor?: SigningKey;
}

interface LiveGate extends SenderGate {
  row: GateRow;
}

export class SiteService {
  private op: OperatorClient | undefined;
  private sender: WorkSender | undefined;
  private readonly gates = new Map<string, LiveGate>();
  private readonly photos = new Map<string, string>();
  /** Who asked for each pending work item, when not the service itself (kept in memory: after a restart the service's key signs). */
  private readonly actors = new Map<string, SigningKey>();
  private readonly eventListeners = new Set<(event: SiteEventInput) => void>();
  /** Template sync between the gates (issue 14): packages relayed, never opened. */
  readonly relay: TemplateRelay;
  private readonly watches: Watch[] = [];
  private retryTimer: unknown;
  private started = false;
  private readonly deletions: DeletionDesk;
  private readonly auditLogs: AuditCollector;
  private readonly claims: WorkClaims | undefined;
  /** Events this instance stored, and those it found stored already (a redelivery, or another instance's). */
  eventsStored = 0;
  eventDuplicates = 0;

  constructor(private readonly o: SiteServiceOptions) {
    this.relay = new TemplateRelay({ siteId: o.siteId, store: o.store, clock: o.clock, logger: o.logger.child("sync"), queue: (input) => this.queue(input), kick: (gateId) => this.kick(gateId) });
    this.deletions = new DeletionDesk({
      store: o.store,
      siteId: o.siteId,
      clock: o.clock,
      logger: o.logger.child("deletion"),
      randomId: o.randomId,
      gateKey: (id) => this.gates.get(id)?.signPublicKey,
      ...(o.siteKey ? { siteKey: o.siteKey } : {}),
    });
    this.claims = o.shareWork
      ? new WorkClaims({ store: o.store, clock: o.clock, timers: o.timers, holder: o.shareWork.holder, leaseMs: o.shareWork.leaseMs ?? 3 * (o.commandTimeoutMs ?? 10_000) })
      : undefined;
    this.auditLogs = new AuditCollector({
      store: o.store,
      clock: o.clock,
      timers: o.timers,
      logger: o.logger.child("audit"),
      gateKey: (id) => this.gates.get(id)?.signPublicKey,
      gateIds: async () => [...this.gates.keys()].sort(),
      fetchChunk: (gateId, offset, limit) => this.auditChunk(gateId, offset, limit),
      ...(o.auditChunk !== undefined ? { chunk: o.auditChunk } : {}),
      ...(o.auditIntervalMs !== undefined ? { intervalMs: o.auditIntervalMs } : {}),
    });
  }

  /** Receipts refused (forged, another gate's, another subject's). */
  get refusedReceipts(): number {
    return this.deletions.refusedReceipts;
  }

  /** Messages dropped because they were not signed by the gate's pinned key. */
  get rejectedMessages(): number {
    return this.watches.reduce((n, w) => n + w.rejected, 0);
  }

  get ignoredResults(): number {
    return this.sender?.ignoredResults ?? 0;
  }

  async start(timeoutMs = 10_000): Promise<void> {
    const o = this.o;
    if (!OPAQUE_ID.test(o.siteId)) throw new SiteServiceError("site_service_input_invalid", "siteId: must be an opaque id ([A-Za-z0-9_-]{1,64})");
    for (const row of await o.store.listGates()) this.remember(row);
    const op = new OperatorClient({ ...o.mqtt, logger: o.logger });
    this.op = op;
    this.sender = new WorkSender({
      siteId: o.siteId,
      store: o.store,
      op,
      clock: o.clock,
      timers: o.timers,
      logger: o.logger.child("work"),
      key: o.operatorKey,
      keyFor: (item) => this.actors.get(keyString(item)),
      randomId: o.randomId,
      gate: (id) => this.gates.get(id),
      collectedBy: o.collectedBy ?? "site-office",
      sealedPhoto: (item) => this.photos.get(keyString(item)),
      sync: { gateList: () => this.relay.gateList(), exportBody: (item) => this.relay.exportBody(item), packageFor: (item) => this.relay.packageFor(item) },
      onApplied: async (item, result) => {
        if (item.kind === "delete") await this.deletions.onDeleted(item, result);
        if (item.kind === "export") await this.relay.exported(item, result);
      },
      onSettled: (key) => {
        this.photos.delete(keyString(key));
        this.actors.delete(keyString(key));
        this.relay.settled(key);
      },
      commandTtlMs: o.commandTtlMs ?? 5 * 60_000,
      commandTimeoutMs: o.commandTimeoutMs ?? 10_000,
      ...(this.claims ? { claims: this.claims } : {}),
    });
    // Subscribers first, then the connection: what a persistent session kept while the
    // service was away arrives right after connecting and finds them in place.
    const keys = (site: string, gate: string): Uint8Array | undefined => (site === o.siteId ? this.gates.get(gate)?.signPublicKey : undefined);
    const sender = this.sender;
    this.watches.push(await op.watchResults({ site: o.siteId, gate: "+", deviceKeys: keys, onResult: (r) => void sender.onResult(r).catch((err: unknown) => o.logger.error("handling a result failed", { error: err })) }));
    this.watches.push(
      await op.watch({
        site: o.siteId,
        gate: "+",
        deviceKeys: keys,
        onState: (s) => void this.onState(s).catch((err: unknown) => o.logger.error("handling gate state failed", { error: err })),
        onNotice: (n) => this.onNotice(n),
        // Stored before the broker is told it arrived (the acknowledgement waits for it).
        onEvent: (e) => this.onEvent(e).catch((err: unknown) => o.logger.error("storing an event failed", { error: err })),
        ...(o.shareEvents !== undefined ? { shareEvents: o.shareEvents } : {}),
      }),
    );
    await op.start(timeoutMs);
    this.started = true;
    this.scheduleRetry();
    this.auditLogs.start();
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.o.timers.clearTimer(this.retryTimer);
    this.auditLogs.stop();
    this.sender?.stop();
    await this.sender?.idle();
    for (const w of this.watches.splice(0)) await w.stop().catch(() => undefined);
    await this.op?.stop();
  }

  /** Whether work is being sent to the gate right now (waiting for its answer included). */
  busy(gateId: string): boolean {
    return this.sender?.busy(gateId) ?? false;
  }

  /** Resolves when no work is being sent (tests and the CLI wait on it). */
  async idle(): Promise<void> {
    await this.sender?.idle();
  }

  // ------------------------------------------------------------------ gates

  /** Pins the gate's keys (refused if it was pinned with others) and queues the rights of people whose scope covers it. */
  async addGate(input: AddGate): Promise<GateRow> {
    const sign = publicKey(input.signingPublicKey, "signingPublicKey");
    const box = publicKey(input.boxPublicKey, "boxPublicKey");
    const row = await this.o.store.addGate({
      siteId: this.o.siteId,
      gateId: input.gateId,
      name: input.name ?? input.gateId,
      signPublicKey: toBase64(sign),
      boxPublicKey: toBase64(box),
      topicPrefix: this.o.mqtt.prefix,
      ...(input.groups ? { groups: input.groups } : {}),
      addedAt: this.o.clock.now(),
    });
    const known = this.gates.has(row.gateId);
    this.remember(row);
    // Its retained state and notice were dropped while its key was unknown: ask for them again.
    if (!known && this.op) this.watches.push(await this.op.watch({ site: this.o.siteId, gate: row.gateId, deviceKeys: this.gates.get(row.gateId)!.signPublicKey, onState: (st) => void this.onState(st).catch((err: unknown) => this.o.logger.error("handling gate state failed", { error: err })), onNotice: (n) => this.onNotice(n) }));
    for (const op of await this.o.store.listOperators()) if (op.disabledAt === null) await this.queue({ subjectRef: op.id, gateId: row.gateId, kind: "operator_key", ref: op.id });
    for (const p of await this.o.store.peopleForGate(row.gateId)) await this.queue({ subjectRef: p.subjectRef, gateId: row.gateId, kind: "rights" });
    this.kick(row.gateId);
    return row;
  }

  async listGates(): Promise<GateRow[]> {
    return this.o.store.listGates();
  }

  // ------------------------------------------------------------------ residents

  /** Registers or updates a person once for the site; every gate in scope gets the rights, gates that had them get an end of access. */
  async registerPerson(input: RegisterPerson): Promise<PersonRow> {
    const subject = opaque(input.subject, "subject");
    // The gates' own check of a person.upsert, here first, so bad input fails once, clearly.
    validateBody("person.upsert", { personRef: subject, ...(input.cards?.length ? { cards: input.cards } : {}), ...(input.pin !== undefined ? { pin: input.pin } : {}) });
    const rights = scope(input.rights);
    const inScope = await this.o.store.resolveScope(rights);
    if (inScope.length === 0) throw new SiteServiceError("site_scope_empty", "rights: name at least one gate or group with gates");
    const person = await this.o.store.putPerson({
      subjectRef: subject,
      label: input.label ?? subject,
      cards: input.cards ?? [],
      pin: input.pin ?? null,
      rights,
      ...(input.schedule !== undefined ? { schedule: input.schedule } : {}),
      at: this.o.clock.now(),
    });
    const covered = new Set(inScope);
    for (const gateId of inScope) await this.queue({ subjectRef: subject, gateId, kind: "rights" }, input.actor);
    for (const w of await this.o.store.workOf(subject)) {
      if (w.kind === "rights" && !covered.has(w.gateId)) await this.queue({ subjectRef: subject, gateId: w.gateId, kind: "end_access" }, input.actor);
    }
    this.kickAll();
    return person;
  }

  /** A separate face consent recorded once (L1), sent to every gate of its scope. Clears the subject's tombstone (store). */
  async recordConsent(input: RecordConsent): Promise<string> {
    const subject = opaque(input.subject, "subject");
    await this.o.store.requirePerson(subject);
    if (!/^[0-9a-f]{64}$/.test(input.evidenceHash)) throw new SiteServiceError("site_service_input_invalid", "evidenceHash: must be the SHA-256 (64 hex digits) of the signed form");
    const s = scope(input.scope);
    const gates = await this.o.store.resolveScope(s);
    if (gates.length === 0) throw new SiteServiceError("site_scope_empty", "scope: name at least one gate or group with gates");
    const now = this.o.clock.now();
    if (!(input.expiresAt > now)) throw new SiteServiceError("site_service_input_invalid", "expiresAt: must be in the future (consent has a finite term, L9)");
    const id = this.o.randomId();
    await this.o.store.recordConsent({ id, subjectRef: subject, scope: s, noticeVersion: input.noticeVersion, evidenceHash: input.evidenceHash, recordedAt: now, expiresAt: input.expiresAt });
    for (const gateId of gates) await this.queue({ subjectRef: subject, gateId, kind: "consent", ref: id }, input.actor);
    this.kickAll();
    return id;
  }

  /**
   * Enrollment from a photo, to each gate the subject's current consent covers, sealed to
   * each gate's key at once. Refused for a tombstoned subject (a deletion stands until a
   * new consent) and without a current consent.
   */
  async enroll(input: { subject: string; photo: Uint8Array; actor?: SigningKey }): Promise<string[]> {
    const subject = opaque(input.subject, "subject");
    if (await this.o.store.isTombstoned(subject)) throw new SiteServiceError("site_subject_tombstoned", `${subject}: deleted; a new consent is needed before any enrollment`);
    const now = this.o.clock.now();
    const consents = (await this.o.store.consentsOf(subject)).filter((c) => c.withdrawnAt === null && c.expiresAt > now);
    const consent = consents.sort((a, b) => b.recordedAt - a.recordedAt)[0];
    if (!consent) throw new SiteServiceError("site_no_consent", `${subject}: no current face consent; record one first (L1)`);
    if (!(input.photo instanceof Uint8Array) || input.photo.length === 0) throw new SiteServiceError("site_service_input_invalid", "photo: must be the bytes of an image");
    const sodium = await loadSodium();
    const gates = await this.o.store.resolveScope(consent.scope);
    for (const gateId of gates) {
      const gate = this.gates.get(gateId);
      if (!gate) continue;
      const key: WorkKey = { subjectRef: subject, gateId, kind: "enroll" };
      this.photos.set(keyString(key), toBase64(sodium.crypto_box_seal(input.photo, gate.boxPublicKey)));
      await this.queue({ ...key, ref: consent.id }, input.actor);
    }
    this.kickAll();
    return gates;
  }

  /**
   * Enrollment from a photo at ONE gate (issue 14): the photo is sealed to that gate only;
   * the gate's enrollment then syncs its template to the other gates of the consent's
   * scope in sealed packages (template-relay.ts). No photo reaches any other gate.
   */
  async enrollAt(input: { subject: string; gateId: string; photo: Uint8Array }): Promise<void> {
    const subject = opaque(input.subject, "subject");
    if (await this.o.store.isTombstoned(subject)) throw new SiteServiceError("site_subject_tombstoned", `${subject}: deleted; a new consent is needed before any enrollment`);
    const now = this.o.clock.now();
    const consent = (await this.o.store.consentsOf(subject)).filter((c) => c.withdrawnAt === null && c.expiresAt > now).sort((a, b) => b.recordedAt - a.recordedAt)[0];
    if (!consent) throw new SiteServiceError("site_no_consent", `${subject}: no current face consent; record one first (L1)`);
    if (!(await this.o.store.resolveScope(consent.scope)).includes(input.gateId)) throw new SiteServiceError("site_scope_empty", `${input.gateId} is not in ${subject}'s consent scope`);
    const gate = this.gates.get(input.gateId);
    if (!gate) throw new SiteServiceError("site_gate_unknown", `no gate ${input.gateId} in the registry`);
    if (!(input.photo instanceof Uint8Array) || input.photo.length === 0) throw new SiteServiceError("site_service_input_invalid", "photo: must be the bytes of an image");
    const sodium = await loadSodium();
    const key: WorkKey = { subjectRef: subject, gateId: input.gateId, kind: "enroll" };
    this.photos.set(keyString(key), toBase64(sodium.crypto_box_seal(input.photo, gate.boxPublicKey)));
    await this.queue({ ...key, ref: consent.id });
    this.kick(input.gateId);
  }

  /** `site.gates` to every gate: the gates and pinned keys template sync trusts (the service's key must be an admin key at the gates). */
  async pushGateList(): Promise<string[]> {
    return this.relay.pushGateList();
  }

  /** Seals the subject's templates at `fromGate` for the other gates of the consent's scope (also started by each enrollment event). */
  async syncTemplates(input: { subject: string; fromGate: string }): Promise<string[]> {
    return this.relay.syncFrom(opaque(input.subject, "subject"), opaque(input.fromGate, "fromGate"));
  }

  /** Per gate: the subject's template installed, pending or failed (with the gate's code). */
  async templateStatus(subject: string): Promise<TemplateSyncState[]> {
    return this.relay.status(opaque(subject, "subject"));
  }

  /** Residents whose templates gates refused for their face model: they must enroll again, in person (issue 14 item 5). */
  async mustReEnroll(): Promise<ReEnrollment[]> {
    return this.relay.mustReEnroll();
  }

  // ------------------------------------------------------------------ deletion

  /** Tombstone, request and a `subject.delete` for every gate of the site (one store transaction); pending consent and enrollment cancelled. */
  async requestDeletion(input: { subject: string; reason: DeletionReason; deadlineMs?: number; actor?: SigningKey }): Promise<DeletionRequestRow> {
    const subject = opaque(input.subject, "subject");
    const id = this.o.randomId();
    // Who asked is known before the items exist, so a gate already being sent to signs the deletion with that key too (L12).
    const deleteKeys = [...this.gates.keys()].map((gateId) => keyString({ subjectRef: subject, gateId, kind: "delete" }));
    for (const k of deleteKeys) {
      if (input.actor) this.actors.set(k, input.actor);
      else this.actors.delete(k);
    }
    let request: DeletionRequestRow;
    try {
      request = await this.o.store.requestDeletion({
        id,
        subjectRef: subject,
        reason: input.reason,
        requestedAt: this.o.clock.now(),
        ...(input.deadlineMs !== undefined ? { deadlineMs: input.deadlineMs } : {}),
      });
    } catch (err) {
      for (const k of deleteKeys) this.actors.delete(k);
      throw err;
    }
    for (const w of await this.o.store.workOf(subject)) {
      if (w.kind === "delete") {
        this.sender?.moveOn(w);
        if (input.actor) this.actors.set(keyString(w), input.actor);
      }
      if ((w.kind === "consent" || w.kind === "enroll" || w.kind === "export" || w.kind === "template") && (w.state === "pending" || w.state === "sent")) {
        this.sender?.moveOn(w);
        this.photos.delete(keyString(w));
        await this.o.store.markWorkFailed(w, { code: "site_subject_deleted", message: `superseded by deletion request ${id}` }, this.o.clock.now());
      }
    }
    this.relay.forget(subject);
    this.kickAll();
    return request;
  }

  /** Ends the person's access at every gate that had their rights (cards and PIN removed there); the record stays, ended. */
  async endAccess(input: { subject: string; actor?: SigningKey }): Promise<string[]> {
    const subject = opaque(input.subject, "subject");
    await this.o.store.requirePerson(subject);
    await this.o.store.endPerson(subject, this.o.clock.now());
    const gates: string[] = [];
    for (const w of await this.o.store.workOf(subject)) {
      if (w.kind !== "rights") continue;
      this.sender?.moveOn(w);
      if (w.state === "pending" || w.state === "sent") await this.o.store.markWorkFailed(w, { code: "site_access_ended", message: "superseded: access ended" }, this.o.clock.now());
      await this.queue({ subjectRef: subject, gateId: w.gateId, kind: "end_access" }, input.actor);
      gates.push(w.gateId);
    }
    this.kickAll();
    return gates;
  }

  /**
   * Sends an operator's own command key to every gate (operator.key_add, signed by the
   * service's admin key), so gates accept what is signed on the operator's behalf and their
   * audit logs name the operator (L12). Gates added later get it in addGate.
   */
  async enrollOperatorKey(operatorId: string): Promise<string[]> {
    const op = await this.o.store.getOperator(operatorId);
    if (!op) throw new SiteServiceError("site_service_input_invalid", `no operator ${operatorId}`);
    const gates = (await this.o.store.listGates()).map((g) => g.gateId);
    for (const gateId of gates) await this.queue({ subjectRef: op.id, gateId, kind: "operator_key", ref: op.id });
    this.kickAll();
    return gates;
  }

  /** Called with every event stored for the first time (the HTTP API's live stream); returns the unsubscribe. */
  onEventStored(listener: (event: SiteEventInput) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  async deletionStatus(requestId: string): Promise<DeletionStatus> {
    return this.deletions.status(requestId);
  }

  /** Open deletion requests past their deadline (default 5 days), as alarms. */
  async alarms(): Promise<SiteAlarm[]> {
    return this.deletions.alarms();
  }

  /** Requests whose receipts are all in but which have no certificate yet: issues it now (with a site key). */
  async completePending(): Promise<number> {
    return this.deletions.completePending();
  }

  // ------------------------------------------------------------------ audit and evidence

  /** Fetches and checks the audit log of every gate (or one) from its cursor now. */
  async collectAudit(gateId?: string): Promise<AuditCollectOutcome[]> {
    return this.auditLogs.collect(gateId);
  }

  /** Per gate: how far its audit chain is checked, and whether it is broken (since when, why). */
  async auditStatus(gateId?: string): Promise<AuditChainStatus[]> {
    return this.auditLogs.status(gateId);
  }

  /** `audit_chain_broken` alarms: broken chains no operator has acknowledged yet. */
  async auditAlarms(): Promise<AuditAlarm[]> {
    return this.auditLogs.alarms();
  }

  async acknowledgeAuditAlarm(gateId: string): Promise<void> {
    await this.auditLogs.acknowledge(gateId);
  }

  /** The subject's evidence bundle (evidence-bundle.ts), signed by the site key when there is one. */
  async evidenceBundle(subject: string): Promise<EvidenceBundle> {
    return buildEvidenceBundle({ store: this.o.store, siteId: this.o.siteId, subjectRef: opaque(subject, "subject"), now: this.o.clock.now(), ...(this.o.siteKey ? { siteKey: this.o.siteKey } : {}) });
  }

  private async auditChunk(gateId: string, offset: number, limit: number) {
    const gate = this.gates.get(gateId);
    if (!this.op || !gate) throw new SiteServiceError("site_service_not_started", "the service is not connected to the gates");
    const command = await buildCommand({ site: this.o.siteId, gate: gateId, type: "audit.export", body: { offset, limit }, key: this.o.operatorKey, sealTo: gate.boxPublicKey, clock: this.o.clock, id: this.o.randomId() });
    const r = await this.op.send(command, { devicePublicKey: gate.signPublicKey, timeoutMs: this.o.commandTimeoutMs ?? 10_000 });
    if (r.status !== "ok" || !r.result) throw new TransportError("audit_export_incomplete", `gate ${gateId} refused audit.export: ${r.error?.code ?? "no result"}`);
    return r.result;
  }

  // ------------------------------------------------------------------ internals

  private remember(row: GateRow): void {
    const prev = this.gates.get(row.gateId);
    this.gates.set(row.gateId, {
      row,
      gateId: row.gateId,
      online: prev?.online ?? false,
      signPublicKey: fromBase64(row.signPublicKey)!,
      boxPublicKey: fromBase64(row.boxPublicKey)!,
      ...(prev?.notice ? { notice: prev.notice } : {}),
    });
  }

  private async queue(input: WorkKey & { ref?: string | null }, actor?: SigningKey): Promise<WorkRow> {
    this.sender?.moveOn(input);
    if (actor) this.actors.set(keyString(input), actor);
    else this.actors.delete(keyString(input));
    return this.o.store.queueWork({ ...input, at: this.o.clock.now() });
  }

  private kick(gateId: string): void {
    if (this.started && this.o.sendWork !== false) void this.sender?.kick(gateId);
  }

  private kickAll(): void {
    for (const g of this.gates.values()) if (g.online) this.kick(g.gateId);
  }

  private async onState(s: GateStateMessage): Promise<void> {
    const gate = this.gates.get(s.gate);
    if (!gate) return;
    const was = gate.online;
    gate.online = s.online;
    await this.o.store.updateGateStatus(s.gate, { online: s.online, lastSeenAt: this.o.clock.now(), ...(s.software !== undefined ? { softwareVersion: s.software } : {}) }, this.o.clock.now());
    if (s.online && !was) {
      // Back: what was sent and not answered goes again (re-signed if it expired), deletions first.
      if (this.o.sendWork !== false && !this.sender?.busy(s.gate)) await this.requeueSent(s.gate);
      this.kick(s.gate);
      void this.refreshStatus(gate).catch((err: unknown) => this.o.logger.info("gate status not read", { gate: s.gate, error: err }));
    }
  }

  private onNotice(n: NoticeMessage): void {
    const gate = this.gates.get(n.gate);
    if (gate) gate.notice = { version: n.version, hash: n.hash };
  }

  private async onEvent(e: EventMessage): Promise<void> {
    const data = e.data as { subjectRef?: unknown; personRef?: unknown };
    const subject = typeof data.subjectRef === "string" ? data.subjectRef : typeof data.personRef === "string" ? data.personRef : null;
    const row: SiteEventInput = { id: `${e.gate}.${e.id}`, gateId: e.gate, subjectRef: subject, type: e.type, at: e.at, body: e };
    if (!(await this.o.store.insertEvent(row))) {
      this.eventDuplicates++;
      return;
    }
    this.eventsStored++;
    for (const l of this.eventListeners) {
      try {
        l(row);
      } catch (err) {
        this.o.logger.warn("an event listener failed", { error: err });
      }
    }
    // Stored once across instances: the instance that stored the enrollment starts its sync.
    if (this.o.sendWork !== false) await this.relay.onEvent(e).catch((err: unknown) => this.o.logger.warn("template sync not started", { gate: e.gate, error: err }));
  }

  /** Template count and the gate's own pending messages, from a signed gate.status. */
  private async refreshStatus(gate: LiveGate): Promise<void> {
    if (!this.op) return;
    const command = await buildCommand({ site: this.o.siteId, gate: gate.gateId, type: "gate.status", body: {}, key: this.o.operatorKey, sealTo: gate.boxPublicKey, clock: this.o.clock, id: this.o.randomId() });
    const r = await this.op.send(command, { devicePublicKey: gate.signPublicKey, timeoutMs: this.o.commandTimeoutMs ?? 10_000 });
    if (r.status !== "ok" || !r.result) return;
    const templates = r.result.gateState?.["templates"];
    await this.o.store.updateGateStatus(
      gate.gateId,
      { ...(typeof templates === "number" ? { templateCount: templates } : {}), ...(r.result.outbox ? { pendingCount: r.result.outbox.pending } : {}), ...(r.result.software ? { softwareVersion: r.result.software } : {}) },
      this.o.clock.now(),
    );
  }

  private scheduleRetry(): void {
    const retryMs = this.o.retryMs ?? 30_000;
    this.retryTimer = this.o.timers.setTimer(() => {
      void this.retry()
        .catch((err: unknown) => this.o.logger.warn("retry round failed", { error: err }))
        .finally(() => {
          if (this.started) this.scheduleRetry();
        });
    }, retryMs);
  }

  /** Unanswered work of online gates goes back to pending and is sent again; certificates not yet issued are tried again. */
  async retry(): Promise<void> {
    if (this.o.sendWork === false) return;
    await this.completePending();
    for (const g of this.gates.values()) {
      if (!g.online || this.sender?.busy(g.gateId)) continue;
      await this.requeueSent(g.gateId);
      this.kick(g.gateId);
    }
  }

  private async requeueSent(gateId: string): Promise<number> {
    return this.claims ? this.claims.requeueSent(gateId) : this.o.store.requeueSent(gateId, this.o.clock.now());
  }

  /** The operator key id commands are signed with (what the gates' audit logs name, L12). */
  get operatorKeyId(): string {
    return this.o.operatorKey.keyId;
  }

  /** The site's id and its certificate key (public half only), when certificates are on. */
  get siteInfo(): { siteId: string; siteKey: { keyId: string; publicKey: Uint8Array } | null } {
    const k = this.o.siteKey;
    return { siteId: this.o.siteId, siteKey: k ? { keyId: k.keyId, publicKey: k.publicKey } : null };
  }

  /** The processing notice a gate last announced (its retained notice), if seen. */
  noticeOf(gateId: string): { version: string; hash: string } | null {
    return this.gates.get(gateId)?.notice ?? null;
  }
}

function opaque(value: unknown, what: string): string {
  if (typeof value !== "string" || !OPAQUE_ID.test(value)) throw new SiteServiceError("site_service_input_invalid", `${what}: must be an opaque id ([A-Za-z0-9_-]{1,64}), never a name`);
  return value;
}

function scope(s: Partial<Scope> | undefined): Scope {
  const gates = s?.gates ?? [];
  const groups = s?.groups ?? [];
  if (!Array.isArray(gates) || !Array.isArray(groups)) throw new SiteServiceError("site_service_input_invalid", "scope: gates and groups must be lists");
  return { gates: [...gates], groups: [...groups] };
}

function publicKey(k: Uint8Array | string, what: string): Uint8Array {
  const bytes = typeof k === "string" ? fromBase64(k) : k;
  if (!bytes || bytes.length !== 32) throw new SiteServiceError("site_gate_keys_invalid", `${what}: must be a 32-byte public key (base64)`);
  return bytes;
}
