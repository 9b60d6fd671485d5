/**
 * The site API's door: login and logout, wrong passwords (rate-limited per name), sessions
 * that expire on the passed-in clock, roles enforced on every mutating route (an auditor
 * gets 403 `forbidden` everywhere), malformed requests refused with stable codes and
 * nothing changed, and the OpenAPI document listing every route that is served.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { ManualClock } from "../../../../sdk/time/clock.js";
import { SESSION_COOKIE } from "../../../../sdk/site/api/index.js";
import { openTestSiteStore, type TestSiteStore } from "../service/site-service-db.js";
import { addOperators, login, offlineApi } from "./api-support.js";

const HOUR = 3_600_000;
let clock: ManualClock;
let db: TestSiteStore;
let app: FastifyInstance;

beforeAll(async () => {
  clock = new ManualClock(Date.UTC(2026, 11, 1, 9));
  db = await openTestSiteStore({ name: "sqlite" }, clock);
  await addOperators(db.store, clock);
  ({ app } = await offlineApi(db.store, clock, { sessionTtlMs: HOUR, loginLimits: { maxFailures: 3, windowMs: 10 * 60_000 } }));
});
afterAll(async () => {
  await app?.close();
  await db?.close();
});

const errorOf = (r: { json(): unknown }) => (r.json() as { error: { code: string; message: string } }).error;

describe("sessions", () => {
  it("logs in with name and password: a token in an HttpOnly SameSite=Strict cookie and in the JSON; logout ends it", async () => {
    const r = await app.inject({ method: "POST", url: "/api/session", payload: { name: "operator-one", password: "operator-pass-2" } });
    expect(r.statusCode).toBe(200);
    const body = r.json() as { token: string; expiresAt: number; operator: { role: string; keyId: string } };
    expect(body.operator.role).toBe("operator");
    expect(body.operator.keyId).toMatch(/^[0-9a-f]{32}$/);
    expect(body.expiresAt).toBe(clock.now() + HOUR);
    const cookie = String(r.headers["set-cookie"]);
    expect(cookie).toContain(`${SESSION_COOKIE}=`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toContain(encodeURIComponent(body.token));

    const who = await app.inject({ method: "GET", url: "/api/session", headers: { cookie: `${SESSION_COOKIE}=${encodeURIComponent(body.token)}` } });
    expect(who.statusCode).toBe(200);
    expect((who.json() as { operator: { name: string } }).operator.name).toBe("operator-one");

    const out = await app.inject({ method: "DELETE", url: "/api/session", headers: { authorization: `Bearer ${body.token}` } });
    expect(out.statusCode).toBe(200);
    expect(String(out.headers["set-cookie"])).toMatch(/Max-Age=0/);
    const after = await app.inject({ method: "GET", url: "/api/gates", headers: { authorization: `Bearer ${body.token}` } });
    expect(after.statusCode).toBe(401);
    expect(errorOf(after).code).toBe("unauthenticated");
  });

  it("refuses a wrong password and an unknown name alike, then rate-limits the name (429 with Retry-After)", async () => {
    const wrong = await app.inject({ method: "POST", url: "/api/session", payload: { name: "auditor-one", password: "not-it-at-all" } });
    expect(wrong.statusCode).toBe(401);
    expect(errorOf(wrong)).toEqual({ code: "login_failed", message: "unknown name or wrong password" });
    const unknown = await app.inject({ method: "POST", url: "/api/session", payload: { name: "nobody", password: "whatever-1" } });
    expect(errorOf(unknown)).toEqual(errorOf(wrong));
    for (let i = 0; i < 2; i++) expect((await app.inject({ method: "POST", url: "/api/session", payload: { name: "auditor-one", password: "still-wrong" } })).statusCode).toBe(401);
    // The limit holds even for the right password, and only for that name.
    const limited = await app.inject({ method: "POST", url: "/api/session", payload: { name: "auditor-one", password: "auditor-pass-3" } });
    expect(limited.statusCode).toBe(429);
    expect(errorOf(limited).code).toBe("login_rate_limited");
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    await login(app, "admin");
    clock.advance(10 * 60_000 + 1);
    expect(await login(app, "auditor")).toBeTruthy();
  });

  it("needs a session everywhere but login and the OpenAPI document; an expired one is 401 session_expired", async () => {
    const none = await app.inject({ method: "GET", url: "/api/people" });
    expect(none.statusCode).toBe(401);
    expect(errorOf(none).code).toBe("unauthenticated");
    const stream = await app.inject({ method: "GET", url: "/api/events/stream" });
    expect([stream.statusCode, errorOf(stream).code]).toEqual([401, "unauthenticated"]);
    const forged = await app.inject({ method: "GET", url: "/api/people", headers: { authorization: "Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" } });
    expect(errorOf(forged).code).toBe("unauthenticated");
    const token = await login(app, "operator");
    expect((await app.inject({ method: "GET", url: "/api/people", headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    clock.advance(HOUR - 1);
    expect((await app.inject({ method: "GET", url: "/api/people", headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    clock.advance(1);
    const expired = await app.inject({ method: "GET", url: "/api/people", headers: { authorization: `Bearer ${token}` } });
    expect(expired.statusCode).toBe(401);
    expect(errorOf(expired).code).toBe("session_expired");
  });
});

/** Every mutating route, with a body that would pass validation. */
const MUTATING: Array<{ method: "POST" | "PUT" | "DELETE"; url: string; payload?: unknown; need: "act" | "admin" }> = [
  { method: "POST", url: "/api/gates", need: "admin", payload: { gateId: "g9", signingPublicKey: `${"A".repeat(43)}=`, boxPublicKey: `${"B".repeat(43)}=` } },
  { method: "POST", url: "/api/operators", need: "admin", payload: { name: "someone-new", role: "operator", password: "long-enough-1" } },
  { method: "POST", url: "/api/people", need: "act", payload: { subject: "r-1", rights: { gates: ["g1"] } } },
  { method: "PUT", url: "/api/people/r-1/rights", need: "act", payload: { rights: { gates: ["g1"] } } },
  { method: "POST", url: "/api/people/r-1/end-access", need: "act" },
  { method: "POST", url: "/api/people/r-1/enrollment", need: "act", payload: { photo: "AAAA" } },
  { method: "POST", url: "/api/consents", need: "act", payload: { subject: "r-1", scope: { gates: ["g1"] }, evidenceHash: "a".repeat(64), noticeVersion: "1", expiresAt: Date.UTC(2027, 0, 1) } },
  { method: "POST", url: "/api/consents/c-1/withdraw", need: "act" },
  { method: "POST", url: "/api/deletions", need: "act", payload: { subject: "r-1", reason: "resident_request" } },
];

describe("roles, enforced by the server", () => {
  it("an auditor gets 403 forbidden on every action and changes nothing; an operator on every admin route", async () => {
    const auditor = await login(app, "auditor");
    const operator = await login(app, "operator");
    const before = { people: await db.store.listPeople({ includeEnded: true }), gates: await db.store.listGates(), operators: await db.store.listOperators() };
    for (const r of MUTATING) {
      const res = await app.inject({ method: r.method, url: r.url, headers: { authorization: `Bearer ${auditor}` }, ...(r.payload ? { payload: r.payload as object } : {}) });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(403);
      expect(errorOf(res).code).toBe("forbidden");
      if (r.need === "admin") {
        const asOp = await app.inject({ method: r.method, url: r.url, headers: { authorization: `Bearer ${operator}` }, payload: r.payload as object });
        expect(asOp.statusCode, `${r.method} ${r.url} as operator`).toBe(403);
      }
    }
    expect({ people: await db.store.listPeople({ includeEnded: true }), gates: await db.store.listGates(), operators: await db.store.listOperators() }).toEqual(before);
    // The auditor still reads.
    for (const url of ["/api/gates", "/api/people", "/api/deletions", "/api/events", "/api/alarms", "/api/audit", "/api/operators"]) {
      expect((await app.inject({ method: "GET", url, headers: { authorization: `Bearer ${auditor}` } })).statusCode, url).toBe(200);
    }
  });

  it("the role check covers every mutating route the API serves", async () => {
    const doc = (await app.inject({ method: "GET", url: "/api/openapi.json" })).json() as { paths: Record<string, Record<string, unknown>> };
    const served = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).filter((m) => m !== "get").map((m) => `${m.toUpperCase()} ${p}`));
    const tested = MUTATING.map((r) => `${r.method} ${r.url.replace("/r-1", "/{subject}").replace("/c-1", "/{consentId}")}`);
    // Login and logout are the two mutating routes anyone may call.
    expect(served.filter((s) => !s.endsWith("/api/session")).sort()).toEqual(tested.sort());
  });
});

describe("bad requests", () => {
  it("malformed JSON, wrong types, unknown fields and bad ids are 400 with a code naming what is wrong; nothing is stored", async () => {
    const token = await login(app, "admin");
    const auth = { authorization: `Bearer ${token}` };
    const cases: Array<{ url: string; method?: "POST" | "PUT" | "GET"; payload: string | object; contentType?: string; code: string; mention?: string }> = [
      { url: "/api/people", payload: "{ not json", contentType: "application/json", code: "request_malformed" },
      { url: "/api/people", payload: { subject: "r-1" }, code: "request_invalid", mention: "rights" },
      { url: "/api/people", payload: { subject: "Zhang San", rights: { gates: ["g1"] } }, code: "request_invalid", mention: "subject" },
      { url: "/api/people", payload: { subject: "r-1", rights: { gates: ["g1"] }, nickname: "x" }, code: "request_invalid", mention: "nickname" },
      { url: "/api/people", payload: { subject: "r-1", cards: "12345678", rights: { gates: ["g1"] } }, code: "request_invalid", mention: "cards" },
      { url: "/api/consents", payload: { subject: "r-1", scope: {}, evidenceHash: "not-a-hash", noticeVersion: "1", expiresAt: 1 }, code: "request_invalid", mention: "evidenceHash" },
      { url: "/api/deletions", payload: { subject: "r-1", reason: "because" }, code: "request_invalid", mention: "reason" },
      { url: "/api/gates", payload: { gateId: "g1", signingPublicKey: "short", boxPublicKey: "short" }, code: "request_invalid", mention: "signingPublicKey" },
      { url: "/api/people", payload: "subject=r-1", contentType: "text/plain", code: "unsupported_media_type" },
      { url: "/api/events?limit=0", method: "GET", payload: "", code: "request_invalid", mention: "limit" },
      { url: "/api/people/bad%20id", method: "GET", payload: "", code: "request_invalid", mention: "subject" },
    ];
    for (const c of cases) {
      const r = await app.inject({ method: c.method ?? "POST", url: c.url, headers: { ...auth, ...(c.contentType ? { "content-type": c.contentType } : {}) }, ...(c.method === "GET" ? {} : { payload: c.payload }) });
      expect(r.statusCode, `${c.url} ${JSON.stringify(c.payload)}`).toBe(c.code === "unsupported_media_type" ? 415 : 400);
      const e = errorOf(r);
      expect(e.code, JSON.stringify(c.payload)).toBe(c.code);
      if (c.mention) expect(e.message).toContain(c.mention);
      // Never echoes a value it was sent.
      expect(r.body).not.toContain("12345678");
    }
    expect(await db.store.listPeople({ includeEnded: true })).toEqual([]);
    const notFound = await app.inject({ method: "GET", url: "/api/people/r-404", headers: auth });
    expect(notFound.statusCode).toBe(404);
    expect(errorOf(notFound).code).toBe("not_found");
    const noRoute = await app.inject({ method: "GET", url: "/api/nothing", headers: auth });
    expect([noRoute.statusCode, errorOf(noRoute).code]).toEqual([404, "not_found"]);
    const noWayIn = await app.inject({ method: "POST", url: "/api/people", headers: auth, payload: { subject: "r-1", rights: { gates: ["g1"] } } });
    expect([noWayIn.statusCode, errorOf(noWayIn).code]).toEqual([400, "command_invalid_body"]);
    expect(errorOf(noWayIn).message).toContain("at least one card or a PIN");
    const scope = await app.inject({ method: "POST", url: "/api/people", headers: auth, payload: { subject: "r-1", cards: ["C0FFEE0101"], rights: { gates: ["no-such-gate"] } } });
    expect(scope.statusCode).toBe(400);
    // The store either names the unknown gate or finds the scope empty; both are the caller's mistake.
    expect(["site_unknown_gate", "site_scope_empty"]).toContain(errorOf(scope).code);
    expect(scope.body).not.toContain("C0FFEE0101");
    expect(await db.store.listPeople({ includeEnded: true })).toEqual([]);
  });
});

describe("the OpenAPI document", () => {
  it("is generated from the route schemas and lists every route with its request and response schemas", async () => {
    const r = await app.inject({ method: "GET", url: "/api/openapi.json" });
    expect(r.statusCode).toBe(200);
    const doc = r.json() as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown; parameters?: Array<{ name: string }>; responses: Record<string, { content: Record<string, { schema: { type?: string } }> }> }>> };
    expect(doc.openapi).toBe("3.1.0");
    const listed = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)).sort();
    const served = app
      .printRoutes({ commonPrefix: false })
      .split("\n")
      .filter((l) => l.includes("("));
    expect(served.length).toBeGreaterThan(0);
    expect(listed).toEqual(
      [
        "POST /api/session", "GET /api/session", "DELETE /api/session",
        "GET /api/operators", "POST /api/operators",
        "GET /api/gates", "GET /api/gates/{gateId}", "POST /api/gates",
        "GET /api/people", "GET /api/people/{subject}", "GET /api/people/{subject}/evidence", "POST /api/people", "PUT /api/people/{subject}/rights", "POST /api/people/{subject}/end-access", "POST /api/people/{subject}/enrollment",
        "POST /api/consents", "POST /api/consents/{consentId}/withdraw",
        "POST /api/deletions", "GET /api/deletions", "GET /api/deletions/{requestId}", "GET /api/deletions/{requestId}/certificate",
        "GET /api/events", "GET /api/events/stream", "GET /api/alarms", "GET /api/audit", "GET /api/openapi.json",
        "GET /api/site",
      ].sort(),
    );
    // Every listed route is really served (not 404 for want of a route).
    for (const l of listed) {
      const [method, path] = l.split(" ") as [string, string];
      const res = await app.inject({ method: method as "GET", url: path.replace(/\{[^}]+\}/g, "x1") });
      expect(res.statusCode === 404 && (res.json() as { error: { message: string } }).error.message.startsWith("no route"), l).toBe(false);
    }
    expect(doc.paths["/api/people"]!["post"]!.requestBody).toBeTruthy();
    expect(doc.paths["/api/people/{subject}"]!["get"]!.parameters!.map((p) => p.name)).toEqual(["subject"]);
    expect(doc.paths["/api/people"]!["get"]!.responses["200"]!.content["application/json"]!.schema.type).toBe("object");
    expect(Object.keys(doc.paths["/api/people/{subject}/enrollment"]!["post"]!.requestBody as object)).toContain("content");
  });
});
