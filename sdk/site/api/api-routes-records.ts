/**
 * Routes for deletions (and their certificates), events (queried, and live as server-sent
 * events), alarms and each gate's audit chain status.
 */
import type { Static } from "@sinclair/typebox";
import type { DeletionRequestRow, SiteEventInput } from "../store/site-store.js";
import { ApiError } from "./api-error.js";
import * as S from "./api-schemas.js";
import { deletionDetail, deletionView } from "./api-views.js";
import { operatorSigningKey } from "./operator-accounts.js";
import type { ApiDeps, RouteDef } from "./site-api.js";

type EventFilter = Static<typeof S.EventQuery>;

export function recordRoutes(d: ApiDeps): RouteDef[] {
  const { store, service, clock } = d;

  return [
    {
      method: "POST",
      url: "/api/deletions",
      summary: "Request a subject's deletion at every gate of the site: tombstone, subject.delete to each gate, one certificate when every receipt is in",
      need: "act",
      body: S.DeletionBody,
      status: 201,
      response: S.DeletionActionOut,
      handler: async ({ req, auth }) => {
        const b = req.body as Static<typeof S.DeletionBody>;
        const key = await operatorSigningKey(store, auth.operator);
        const request = await service.requestDeletion({ subject: b.subject, reason: b.reason, actor: key });
        return { deletion: deletionView(await service.deletionStatus(request.id)), signed: [{ commandType: "subject.delete", keyId: key.keyId, operatorId: auth.operator.id, gates: request.gates.map((g) => g.gateId) }] };
      },
    },
    {
      method: "GET",
      url: "/api/deletions",
      summary: "Deletion requests with their age, deadline and receipts so far (state=open: only those still open)",
      need: "read",
      querystring: S.DeletionListQuery,
      response: S.DeletionList,
      handler: async ({ req }) => {
        const onlyOpen = (req.query as Static<typeof S.DeletionListQuery>).state === "open";
        const byId = new Map<string, DeletionRequestRow>();
        for (const r of await store.openDeletionRequests()) byId.set(r.id, r);
        if (!onlyOpen) for (const p of await store.listPeople({ includeEnded: true })) for (const r of await store.deletionRequestsOf(p.subjectRef)) byId.set(r.id, r);
        const rows = [...byId.values()].sort((a, b) => b.requestedAt - a.requestedAt || a.id.localeCompare(b.id));
        return { deletions: await Promise.all(rows.map(async (r) => deletionView(await service.deletionStatus(r.id)))) };
      },
    },
    {
      method: "GET",
      url: "/api/deletions/:requestId",
      summary: "One deletion request with each gate's signed receipt as it arrives",
      need: "read",
      params: S.RequestIdParams,
      response: S.DeletionDetail,
      handler: async ({ req }) => deletionDetail(await status((req.params as { requestId: string }).requestId)),
    },
    {
      method: "GET",
      url: "/api/deletions/:requestId/certificate",
      summary: "The site deletion certificate as a JSON file (verify offline: facegate site verify-certificate)",
      need: "read",
      params: S.RequestIdParams,
      response: S.Certificate,
      handler: async ({ req, reply }) => {
        const s = await status((req.params as { requestId: string }).requestId);
        if (s.request.certificate === null) throw new ApiError("certificate_not_issued", `request ${s.request.id} has no certificate yet (${s.receipts}/${s.expected} receipts)`);
        void reply.header("content-type", "application/json; charset=utf-8").header("content-disposition", `attachment; filename="deletion-certificate-${s.request.id}.json"`);
        return reply.send(s.request.certificate);
      },
    },
    {
      method: "GET",
      url: "/api/people/:subject/evidence",
      summary: "The subject's evidence bundle as a JSON file: consents, enrollments, deletions, every gate's receipt, certificates, audit entries and the keys to check them offline",
      need: "read",
      params: S.SubjectParams,
      response: S.EvidenceBundle,
      handler: async ({ req, reply }) => {
        const subject = (req.params as { subject: string }).subject;
        if (!(await store.getPerson(subject))) throw new ApiError("not_found", `no person ${subject}`);
        const bundle = await service.evidenceBundle(subject);
        void reply.header("content-type", "application/json; charset=utf-8").header("content-disposition", `attachment; filename="evidence-${subject}.json"`);
        return reply.send(bundle);
      },
    },
    {
      method: "GET",
      url: "/api/events",
      summary: "Stored gate events (in the store's order), filtered by gate, subject, type and time",
      need: "read",
      querystring: S.EventQuery,
      response: S.EventList,
      handler: async ({ req }) => {
        const q = req.query as EventFilter;
        const rows = await store.queryEvents({ ...(q.gate ? { gateId: q.gate } : {}), ...(q.subject ? { subjectRef: q.subject } : {}), ...(q.type ? { type: q.type } : {}), ...(q.from !== undefined ? { from: q.from } : {}), ...(q.to !== undefined ? { to: q.to } : {}), limit: q.limit ?? 100 });
        return { events: rows.map((e) => ({ id: e.id, gateId: e.gateId, subjectRef: e.subjectRef, type: e.type, at: e.at, body: e.body })) };
      },
    },
    {
      method: "GET",
      url: "/api/events/stream",
      summary: "Gate events live, as server-sent events (event: site-event), with the same filters",
      need: "read",
      querystring: S.EventQuery,
      response: S.EventOut,
      produces: "text/event-stream",
      handler: async ({ req, reply }) => {
        const q = req.query as EventFilter;
        reply.hijack();
        const raw = reply.raw;
        raw.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", connection: "keep-alive", "x-accel-buffering": "no" });
        raw.write(": facegate site events\n\n");
        const matches = (e: SiteEventInput) => (!q.gate || e.gateId === q.gate) && (!q.type || e.type === q.type) && (!q.subject || e.subjectRef === q.subject) && (q.from === undefined || e.at >= q.from) && (q.to === undefined || e.at < q.to);
        const off = service.onEventStored((e) => {
          if (!matches(e)) return;
          raw.write(`id: ${e.id}\nevent: site-event\ndata: ${JSON.stringify({ id: e.id, gateId: e.gateId, subjectRef: e.subjectRef ?? null, type: e.type, at: e.at, body: e.body })}\n\n`);
        });
        let timer: unknown;
        const beat = () => {
          timer = d.timers.setTimer(() => {
            raw.write(": keep-alive\n\n");
            beat();
          }, d.heartbeatMs ?? 15_000);
        };
        beat();
        const stream = {
          end: () => {
            off();
            d.timers.clearTimer(timer);
            if (!raw.writableEnded) raw.end();
          },
        };
        d.streams.add(stream);
        req.raw.on("close", () => {
          d.streams.delete(stream);
          stream.end();
        });
        return reply;
      },
    },
    {
      method: "GET",
      url: "/api/alarms",
      summary: "Open alarms with the time each began: overdue deletion requests, certificates not issued, audit chain breaks",
      need: "read",
      response: S.AlarmList,
      handler: async () => {
        const alarms: Static<typeof S.AlarmList>["alarms"] = (await service.alarms()).map((a) => ({ kind: a.kind, since: a.deadlineAt, requestId: a.requestId, gateId: null, ageMs: a.ageMs, deadlineAt: a.deadlineAt, missingGates: a.missingGates, detail: null }));
        for (const g of await store.listGates()) {
          const c = await store.getAuditCursor(g.gateId);
          if (c.broken) alarms.push({ kind: "audit_chain_broken", since: c.brokenAt ?? clock.now(), requestId: null, gateId: g.gateId, ageMs: null, deadlineAt: null, missingGates: [], detail: c.brokenDetail });
        }
        return { alarms };
      },
    },
    {
      method: "GET",
      url: "/api/audit",
      summary: "Each gate's audit chain: how far it has been fetched and checked, and any break",
      need: "read",
      response: S.AuditList,
      handler: async () => ({
        gates: await Promise.all(
          (await store.listGates()).map(async (g) => {
            const c = await store.getAuditCursor(g.gateId);
            return { gateId: g.gateId, lastSequence: c.lastSequence, lastEntryHash: c.lastEntryHash, verifiedAt: c.verifiedAt, broken: c.broken, brokenDetail: c.brokenDetail, brokenAt: c.brokenAt };
          }),
        ),
      }),
    },
  ];

  async function status(requestId: string) {
    if (!(await store.getDeletionRequest(requestId))) throw new ApiError("not_found", `no deletion request ${requestId}`);
    return service.deletionStatus(requestId);
  }
}
