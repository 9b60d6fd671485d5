/**
 * The SiteStore over Kysely: one implementation for SQLite and PostgreSQL. Each area of
 * the store lives in its own module (gate-records.ts, people-records.ts...) as functions
 * of a StoreContext; this class binds them to one context and maps the engines' constraint
 * errors to SiteStoreErrors (a race two instances lose at the same time reads the same
 * as the check the losing one would have made).
 */
import type { Kysely } from "kysely";
import { FacegateError } from "../../errors.js";
import * as audit from "./audit-cursor-records.js";
import * as auditEntries from "./audit-entry-records.js";
import * as consents from "./consent-records.js";
import * as deletions from "./deletion-records.js";
import * as events from "./event-records.js";
import * as gates from "./gate-records.js";
import * as operators from "./operator-records.js";
import * as people from "./people-records.js";
import type { SiteSchema } from "./schema.js";
import { SiteStoreError } from "./site-store-error.js";
import type { SiteStore, SiteEngine } from "./site-store.js";
import type { StoreContext } from "./store-context.js";
import * as tombstones from "./tombstone-records.js";
import * as work from "./work-records.js";

type Settings = Omit<StoreContext, "db" | "tx">;

export function contextFor(db: Kysely<SiteSchema>, settings: Settings, inTransaction: boolean): StoreContext {
  const ctx: StoreContext = {
    ...settings,
    db,
    tx: async (fn) => {
      if (inTransaction) return fn(ctx);
      return db.transaction().execute((trx) => fn(contextFor(trx, settings, true)));
    },
  };
  return ctx;
}

/** SQLite and PostgreSQL constraint failures as SiteStoreErrors; anything else unchanged. */
export function mapDbError(err: unknown): unknown {
  if (err instanceof FacegateError) return err;
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === "string" ? e.code : "";
  if (code === "23505" || code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "SQLITE_CONSTRAINT_UNIQUE") {
    return new SiteStoreError("site_duplicate", "a record with this id already exists", {}, { cause: err });
  }
  if (code === "23503" || code === "SQLITE_CONSTRAINT_FOREIGNKEY") {
    return new SiteStoreError("site_input_invalid", "the record refers to a gate, person or request that does not exist", {}, { cause: err });
  }
  return err;
}

export class KyselySiteStore implements SiteStore {
  private closed = false;

  constructor(
    private readonly ctx: StoreContext,
    private readonly root: { destroy(): Promise<void> } | null,
  ) {}

  get engine(): SiteEngine {
    return this.ctx.engine;
  }

  private async run<T>(fn: (ctx: StoreContext) => Promise<T>): Promise<T> {
    if (this.closed) throw new SiteStoreError("site_store_closed", "the site store is closed");
    try {
      return await fn(this.ctx);
    } catch (err) {
      throw mapDbError(err);
    }
  }

  transaction<T>(fn: (store: SiteStore) => Promise<T>): Promise<T> {
    return this.run((ctx) => ctx.tx((t) => fn(t === ctx ? this : new KyselySiteStore(t, null))));
  }

  addGate: SiteStore["addGate"] = (input) => this.run((c) => gates.addGate(c, input));
  getGate: SiteStore["getGate"] = (id) => this.run((c) => gates.getGate(c, id));
  requireGate: SiteStore["requireGate"] = (id) => this.run((c) => gates.requireGate(c, id));
  listGates: SiteStore["listGates"] = () => this.run((c) => gates.listGates(c));
  updateGateStatus: SiteStore["updateGateStatus"] = (id, status, at) => this.run((c) => gates.updateGateStatus(c, id, status, at));
  addGroup: SiteStore["addGroup"] = (name, at) => this.run((c) => gates.addGroup(c, name, at));
  addToGroup: SiteStore["addToGroup"] = (group, ids) => this.run((c) => gates.addToGroup(c, group, ids));
  removeFromGroup: SiteStore["removeFromGroup"] = (group, ids) => this.run((c) => gates.removeFromGroup(c, group, ids));
  listGroups: SiteStore["listGroups"] = () => this.run((c) => gates.listGroups(c));
  resolveScope: SiteStore["resolveScope"] = (scope) => this.run((c) => gates.resolveScope(c, scope));

  addOperator: SiteStore["addOperator"] = (input) => this.run((c) => operators.addOperator(c, input));
  getOperator: SiteStore["getOperator"] = (id) => this.run((c) => operators.getOperator(c, id));
  listOperators: SiteStore["listOperators"] = () => this.run((c) => operators.listOperators(c));
  checkOperatorPassword: SiteStore["checkOperatorPassword"] = (id, pw) => this.run((c) => operators.checkOperatorPassword(c, id, pw));
  operatorCommandKey: SiteStore["operatorCommandKey"] = (id) => this.run((c) => operators.operatorCommandKey(c, id));
  disableOperator: SiteStore["disableOperator"] = (id, at) => this.run((c) => operators.disableOperator(c, id, at));
  createSession: SiteStore["createSession"] = (input) => this.run((c) => operators.createSession(c, input));
  findSession: SiteStore["findSession"] = (token, now) => this.run((c) => operators.findSession(c, token, now));
  deleteSession: SiteStore["deleteSession"] = (token) => this.run((c) => operators.deleteSession(c, token));
  deleteExpiredSessions: SiteStore["deleteExpiredSessions"] = (now) => this.run((c) => operators.deleteExpiredSessions(c, now));

  putPerson: SiteStore["putPerson"] = (input) => this.run((c) => people.putPerson(c, input));
  getPerson: SiteStore["getPerson"] = (ref) => this.run((c) => people.getPerson(c, ref));
  requirePerson: SiteStore["requirePerson"] = (ref) => this.run((c) => people.requirePerson(c, ref));
  listPeople: SiteStore["listPeople"] = (options) => this.run((c) => people.listPeople(c, options));
  personSecrets: SiteStore["personSecrets"] = (ref) => this.run((c) => people.personSecrets(c, ref));
  endPerson: SiteStore["endPerson"] = (ref, at) => this.run((c) => people.endPerson(c, ref, at));
  peopleForGate: SiteStore["peopleForGate"] = (id) => this.run((c) => people.peopleForGate(c, id));

  recordConsent: SiteStore["recordConsent"] = (input) => this.run((c) => consents.recordConsent(c, input));
  getConsent: SiteStore["getConsent"] = (id) => this.run((c) => consents.getConsent(c, id));
  consentsOf: SiteStore["consentsOf"] = (ref) => this.run((c) => consents.consentsOf(c, ref));
  withdrawConsent: SiteStore["withdrawConsent"] = (id, at) => this.run((c) => consents.withdrawConsent(c, id, at));

  queueWork: SiteStore["queueWork"] = (input) => this.run((c) => work.queueWork(c, input));
  getWork: SiteStore["getWork"] = (key) => this.run((c) => work.getWork(c, key));
  nextWork: SiteStore["nextWork"] = (id, limit) => this.run((c) => work.nextWork(c, id, limit));
  claimWork: SiteStore["claimWork"] = (id, input) => this.run((c) => work.claimWork(c, id, input));
  workOf: SiteStore["workOf"] = (ref) => this.run((c) => work.workOf(c, ref));
  workOfGate: SiteStore["workOfGate"] = (id, states) => this.run((c) => work.workOfGate(c, id, states));
  workByCommand: SiteStore["workByCommand"] = (id) => this.run((c) => work.workByCommand(c, id));
  markWorkSent: SiteStore["markWorkSent"] = (key, commandId, at) => this.run((c) => work.markWorkSent(c, key, commandId, at));
  markWorkApplied: SiteStore["markWorkApplied"] = (key, at) => this.run((c) => work.markWorkApplied(c, key, at));
  markWorkFailed: SiteStore["markWorkFailed"] = (key, error, at) => this.run((c) => work.markWorkFailed(c, key, error, at));
  requeueSent: SiteStore["requeueSent"] = (id, at, options) => this.run((c) => work.requeueSent(c, id, at, options));
  renewClaim: SiteStore["renewClaim"] = (key, input) => this.run((c) => work.renewClaim(c, key, input));
  countWork: SiteStore["countWork"] = (id, state) => this.run((c) => work.countWork(c, id, state));

  isTombstoned: SiteStore["isTombstoned"] = (ref) => this.run((c) => tombstones.isTombstoned(c, ref));
  tombstonesOf: SiteStore["tombstonesOf"] = (ref) => this.run((c) => tombstones.tombstonesOf(c, ref));
  requestDeletion: SiteStore["requestDeletion"] = (input) => this.run((c) => deletions.requestDeletion(c, input));
  getDeletionRequest: SiteStore["getDeletionRequest"] = (id) => this.run((c) => deletions.getDeletionRequest(c, id));
  deletionRequestsOf: SiteStore["deletionRequestsOf"] = (ref) => this.run((c) => deletions.deletionRequestsOf(c, ref));
  openDeletionRequests: SiteStore["openDeletionRequests"] = () => this.run((c) => deletions.openDeletionRequests(c));
  overdueDeletionRequests: SiteStore["overdueDeletionRequests"] = (now) => this.run((c) => deletions.overdueDeletionRequests(c, now));
  recordReceipt: SiteStore["recordReceipt"] = (input) => this.run((c) => deletions.recordReceipt(c, input));
  completeDeletion: SiteStore["completeDeletion"] = (id, cert, at) => this.run((c) => deletions.completeDeletion(c, id, cert, at));

  insertEvent: SiteStore["insertEvent"] = (event) => this.run((c) => events.insertEvent(c, event));
  insertEvents: SiteStore["insertEvents"] = (list) => this.run((c) => events.insertEvents(c, list));
  queryEvents: SiteStore["queryEvents"] = (query) => this.run((c) => events.queryEvents(c, query));
  getAuditCursor: SiteStore["getAuditCursor"] = (id) => this.run((c) => audit.getAuditCursor(c, id));
  advanceAuditCursor: SiteStore["advanceAuditCursor"] = (id, input) => this.run((c) => audit.advanceAuditCursor(c, id, input));
  markAuditBroken: SiteStore["markAuditBroken"] = (id, detail, at) => this.run((c) => audit.markAuditBroken(c, id, detail, at));
  appendAuditEntries: SiteStore["appendAuditEntries"] = (id, input) => this.run((c) => auditEntries.appendAuditEntries(c, id, input));
  auditEntries: SiteStore["auditEntries"] = (id, range) => this.run((c) => auditEntries.auditEntries(c, id, range));
  auditEntriesOf: SiteStore["auditEntriesOf"] = (subject) => this.run((c) => auditEntries.auditEntriesOf(c, subject));
  auditCheckpoints: SiteStore["auditCheckpoints"] = (id) => this.run((c) => auditEntries.auditCheckpoints(c, id));
  acknowledgeAuditBroken: SiteStore["acknowledgeAuditBroken"] = (id, at) => this.run((c) => auditEntries.acknowledgeAuditBroken(c, id, at));

  getMeta: SiteStore["getMeta"] = (key) =>
    this.run(async (c) => (await c.db.selectFrom("site_meta").select("value").where("key", "=", key).executeTakeFirst())?.value ?? null);
  setMeta: SiteStore["setMeta"] = (key, value) =>
    this.run(async (c) => {
      if (typeof value !== "string") throw new SiteStoreError("site_input_invalid", "value: must be text", { path: "value" });
      await c.db.insertInto("site_meta").values({ key, value }).onConflict((oc) => oc.column("key").doUpdateSet({ value })).execute();
    });

  async close(): Promise<void> {
    if (this.closed || this.root === null) return;
    this.closed = true;
    await this.root.destroy();
  }
}
