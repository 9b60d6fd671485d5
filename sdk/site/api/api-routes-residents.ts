/**
 * Routes for the session, operators, gates, people, consents and enrollment. Every action
 * is signed with the acting operator's own key (L12) and its response says which command
 * type was signed with which key id, for which gates.
 */
import type { Static } from "@sinclair/typebox";
import { fromBase64, toBase64 } from "../../protocol/index.js";
import type { OperatorRow } from "../store/site-store.js";
import { clearedCookie, type Authenticated, sessionCookie, tokenOf } from "./api-auth.js";
import { ApiError } from "./api-error.js";
import * as S from "./api-schemas.js";
import { consentView, gateView, operatorView, perGate, personView } from "./api-views.js";
import { createOperator, operatorSigningKey } from "./operator-accounts.js";
import type { ApiDeps, RouteDef } from "./site-api.js";

type Signed = Static<typeof S.Signed>;

export function residentRoutes(d: ApiDeps): RouteDef[] {
  const { store, service, clock } = d;
  const actor = async (auth: Authenticated) => operatorSigningKey(store, auth.operator);
  const signedBy = (op: OperatorRow | null, keyId: string, commandType: string, gates: readonly string[]): Signed => ({ commandType, keyId, operatorId: op ? op.id : null, gates: [...gates] });
  const byService = (commandType: string, gates: readonly string[]): Signed => signedBy(null, service.operatorKeyId, commandType, gates);

  const person = async (subject: string) => {
    const p = await store.getPerson(subject);
    if (!p) throw new ApiError("not_found", `no person ${subject}`);
    return p;
  };

  return [
    // ------------------------------------------------------------ session
    {
      method: "POST",
      url: "/api/session",
      summary: "Log in: name and password; the session token comes back in an HttpOnly SameSite=Strict cookie and in the JSON",
      need: "public",
      body: S.LoginBody,
      response: S.SessionOut,
      handler: async ({ req, reply }) => {
        const b = req.body as Static<typeof S.LoginBody>;
        const s = await d.sessions.login(b.name, b.password);
        void reply.header("set-cookie", sessionCookie(s.token, s.expiresAt, clock.now(), d.secureCookies ?? false));
        void reply.header("cache-control", "no-store");
        return { token: s.token, expiresAt: s.expiresAt, operator: operatorView(s.operator) };
      },
    },
    {
      method: "GET",
      url: "/api/session",
      summary: "Who is logged in, and until when",
      need: "read",
      response: S.WhoAmI,
      handler: async ({ auth }) => ({ expiresAt: auth.expiresAt, operator: operatorView(auth.operator) }),
    },
    {
      method: "DELETE",
      url: "/api/session",
      summary: "Log out: the session ends at once",
      need: "read",
      response: S.Ok,
      handler: async ({ req, reply }) => {
        const token = tokenOf({ cookie: req.headers.cookie, authorization: req.headers.authorization });
        if (token) await d.sessions.logout(token);
        void reply.header("set-cookie", clearedCookie(d.secureCookies ?? false));
        return { ok: true };
      },
    },
    {
      method: "GET",
      url: "/api/site",
      summary: "The site's id and the public key its deletion certificates are signed with (null when certificates are off)",
      need: "read",
      response: S.SiteInfo,
      handler: async () => {
        const info = service.siteInfo;
        return { siteId: info.siteId, siteKey: info.siteKey ? { keyId: info.siteKey.keyId, publicKey: toBase64(info.siteKey.publicKey) } : null };
      },
    },
    // ------------------------------------------------------------ operators
    {
      method: "GET",
      url: "/api/operators",
      summary: "The office's operators with their roles and command key ids",
      need: "read",
      response: S.OperatorList,
      handler: async () => ({ operators: (await store.listOperators()).map(operatorView) }),
    },
    {
      method: "POST",
      url: "/api/operators",
      summary: "Add an operator with a role, a password and their own command key; the key is sent to every gate (operator.key_add)",
      need: "admin",
      body: S.AddOperatorBody,
      status: 201,
      response: S.AddOperatorOut,
      handler: async ({ req }) => {
        const b = req.body as Static<typeof S.AddOperatorBody>;
        const op = await createOperator({ store, clock, name: b.name, role: b.role, password: b.password, id: d.randomId() });
        const gates = await service.enrollOperatorKey(op.id);
        return { operator: operatorView(op), signed: [byService("operator.key_add", gates)] };
      },
    },
    // ------------------------------------------------------------ gates
    {
      method: "GET",
      url: "/api/gates",
      summary: "Every gate: online, last seen, software, template count, pending and failed work, audit chain",
      need: "read",
      response: S.GateList,
      handler: async () => ({ gates: await Promise.all((await store.listGates()).map((g) => gateView(store, g, service.noticeOf(g.gateId)))) }),
    },
    {
      method: "GET",
      url: "/api/gates/:gateId",
      summary: "One gate",
      need: "read",
      params: S.GateIdParams,
      response: S.GateOut,
      handler: async ({ req }) => {
        const id = (req.params as { gateId: string }).gateId;
        const g = await store.getGate(id);
        if (!g) throw new ApiError("not_found", `no gate ${id}`);
        return gateView(store, g, service.noticeOf(g.gateId));
      },
    },
    {
      method: "POST",
      url: "/api/gates",
      summary: "Add a gate with its keys (pinned: anything signed by another key is refused); it gets every operator key and the rights of everyone in scope",
      need: "admin",
      body: S.AddGateBody,
      status: 201,
      response: S.AddGateOut,
      handler: async ({ req }) => {
        const b = req.body as Static<typeof S.AddGateBody>;
        const row = await service.addGate({ gateId: b.gateId, signingPublicKey: b.signingPublicKey, boxPublicKey: b.boxPublicKey, ...(b.name ? { name: b.name } : {}), ...(b.groups ? { groups: b.groups } : {}) });
        const people = await store.peopleForGate(row.gateId);
        const signed = [byService("operator.key_add", [row.gateId])];
        if (people.length > 0) signed.push(byService("person.upsert", [row.gateId]));
        return { gate: await gateView(store, row, service.noticeOf(row.gateId)), signed };
      },
    },
    // ------------------------------------------------------------ people
    {
      method: "GET",
      url: "/api/people",
      summary: "Everyone registered (cards and PIN as a count and a flag only)",
      need: "read",
      querystring: S.PeopleQuery,
      response: S.PeopleList,
      handler: async ({ req }) => ({ people: await Promise.all((await store.listPeople({ includeEnded: (req.query as { ended?: boolean }).ended === true })).map((p) => personView(store, p))) }),
    },
    {
      method: "GET",
      url: "/api/people/:subject",
      summary: "One person: consents and, per gate, whether rights, consent and template are applied, pending or failed (with the error)",
      need: "read",
      params: S.SubjectParams,
      response: S.PersonDetail,
      handler: async ({ req }) => {
        const p = await person((req.params as { subject: string }).subject);
        const scopeGates = p.endedAt === null ? await store.resolveScope(p.rights) : [];
        return { person: await personView(store, p), consents: (await store.consentsOf(p.subjectRef)).map(consentView), gates: perGate(await store.workOf(p.subjectRef), scopeGates) };
      },
    },
    {
      method: "POST",
      url: "/api/people",
      summary: "Register a person once for the site, with cards, PIN and the gates or groups they may use",
      need: "act",
      body: S.RegisterBody,
      status: 201,
      response: S.PersonActionOut,
      handler: async ({ req, auth }) => {
        const b = req.body as Static<typeof S.RegisterBody>;
        return register(auth, { subject: b.subject, ...(b.label ? { label: b.label } : {}), ...(b.cards ? { cards: b.cards } : {}), ...(b.pin !== undefined ? { pin: b.pin } : {}), rights: b.rights, ...(b.schedule ? { schedule: b.schedule } : {}) });
      },
    },
    {
      method: "PUT",
      url: "/api/people/:subject/rights",
      summary: "Change where a person may go (cards and PIN kept); gates that lose them get an end of access",
      need: "act",
      params: S.SubjectParams,
      body: S.RightsBody,
      response: S.PersonActionOut,
      handler: async ({ req, auth }) => {
        const p = await person((req.params as { subject: string }).subject);
        const b = req.body as Static<typeof S.RightsBody>;
        const secrets = await store.personSecrets(p.subjectRef);
        const schedule = b.schedule ?? (Array.isArray(p.schedule) ? p.schedule : undefined);
        return register(auth, { subject: p.subjectRef, label: p.label, cards: secrets.cards, ...(secrets.pin !== null ? { pin: secrets.pin } : {}), rights: b.rights, ...(schedule ? { schedule } : {}) });
      },
    },
    {
      method: "POST",
      url: "/api/people/:subject/end-access",
      summary: "End a person's access at every gate (cards and PIN removed there); the record stays",
      need: "act",
      params: S.SubjectParams,
      response: S.PersonActionOut,
      handler: async ({ req, auth }) => {
        const subject = (req.params as { subject: string }).subject;
        await person(subject);
        const key = await actor(auth);
        const gates = await service.endAccess({ subject, actor: key });
        return { person: await personView(store, await person(subject)), signed: [signedBy(auth.operator, key.keyId, "person.end_access", gates)] };
      },
    },
    // ------------------------------------------------------------ consent and enrollment
    {
      method: "POST",
      url: "/api/consents",
      summary: "Record a face consent once, with its scope and the hash of the signed form (the form stays in the office)",
      need: "act",
      body: S.ConsentBody,
      status: 201,
      response: S.ConsentOutAction,
      handler: async ({ req, auth }) => {
        const b = req.body as Static<typeof S.ConsentBody>;
        const key = await actor(auth);
        const consentId = await service.recordConsent({ subject: b.subject, scope: b.scope, evidenceHash: b.evidenceHash, noticeVersion: b.noticeVersion, expiresAt: b.expiresAt, actor: key });
        const gates = await store.resolveScope({ gates: b.scope.gates ?? [], groups: b.scope.groups ?? [] });
        return { consentId, gates, signed: [signedBy(auth.operator, key.keyId, "consent.record", gates)] };
      },
    },
    {
      method: "POST",
      url: "/api/consents/:consentId/withdraw",
      summary: "Withdraw a consent: recorded, and the subject's face data deleted at every gate (reason consent_withdrawn)",
      need: "act",
      params: S.ConsentIdParams,
      response: S.WithdrawOut,
      handler: async ({ req, auth }) => {
        const id = (req.params as { consentId: string }).consentId;
        const consent = await store.getConsent(id);
        if (!consent) throw new ApiError("not_found", `no consent ${id}`);
        await store.withdrawConsent(id, clock.now());
        const key = await actor(auth);
        const request = await service.requestDeletion({ subject: consent.subjectRef, reason: "consent_withdrawn", actor: key });
        return { consentId: id, deletionRequestId: request.id, signed: [signedBy(auth.operator, key.keyId, "subject.delete", request.gates.map((g) => g.gateId))] };
      },
    },
    {
      method: "POST",
      url: "/api/people/:subject/enrollment",
      summary: "Enroll from a photo (base64 in JSON, or the bytes as application/octet-stream): sealed to each gate in the consent's scope, never stored",
      need: "act",
      params: S.SubjectParams,
      content: { "application/json": S.EnrollJson, "application/octet-stream": S.PhotoBytes },
      response: S.EnrollOut,
      handler: async ({ req, auth }) => {
        const subject = (req.params as { subject: string }).subject;
        const photo = Buffer.isBuffer(req.body) ? new Uint8Array(req.body) : fromBase64((req.body as Static<typeof S.EnrollJson>).photo);
        if (!photo || photo.length === 0) throw new ApiError("request_invalid", "body.photo: must be the photo's bytes in base64");
        const key = await actor(auth);
        const gates = await service.enroll({ subject, photo, actor: key });
        photo.fill(0);
        return { subjectRef: subject, gates, signed: [signedBy(auth.operator, key.keyId, "enroll.photo", gates)] };
      },
    },
  ];

  async function register(auth: Authenticated, input: Parameters<typeof service.registerPerson>[0]) {
    const key = await actor(auth);
    const inScope = new Set(await store.resolveScope({ gates: input.rights.gates ?? [], groups: input.rights.groups ?? [] }));
    const before = (await store.workOf(input.subject)).filter((w) => w.kind === "rights" && !inScope.has(w.gateId)).map((w) => w.gateId);
    const p = await service.registerPerson({ ...input, actor: key });
    const signed = [signedBy(auth.operator, key.keyId, "person.upsert", [...inScope].sort())];
    if (before.length > 0) signed.push(signedBy(auth.operator, key.keyId, "person.end_access", before));
    return { person: await personView(store, p), signed };
  }
}
