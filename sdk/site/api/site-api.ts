/**
 * The site service's HTTP API (issue 13 item 6), on fastify, for the operator's console
 * (issue 15) and other office tools. Every route has TypeBox schemas for its request and
 * its response; the OpenAPI document (GET /api/openapi.json) is generated from the same
 * route table, so it lists exactly what is served. Every failure is JSON
 * `{ error: { code, message } }` (api-error.ts); sessions and roles in api-auth.ts; the
 * routes in api-routes-*.ts.
 *
 * Everything is passed in: the service, its store, the clock, timers, logger, and the
 * token source. Nothing here reads a global clock or randomness.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { TSchema } from "@sinclair/typebox";
import type { Logger } from "../../log/logger.js";
import type { Clock } from "../../time/clock.js";
import type { Timers } from "../../time/timers.js";
import type { SiteService } from "../service/site-service.js";
import type { SiteStore } from "../store/site-store.js";
import { type Authenticated, DEFAULT_LOGIN_LIMITS, type LoginLimits, mayDo, type Need, Sessions, tokenOf } from "./api-auth.js";
import { ApiError, toErrorResponse } from "./api-error.js";
import { ErrorBody } from "./api-schemas.js";
import { openApiDocument } from "./openapi.js";
import { recordRoutes } from "./api-routes-records.js";
import { residentRoutes } from "./api-routes-residents.js";

export interface SiteApiOptions {
  service: SiteService;
  store: SiteStore;
  clock: Clock;
  timers: Timers;
  logger: Logger;
  /** A fresh session token (at least 16 characters; 32 random bytes base64url in the program). */
  newToken: () => string;
  /** A fresh opaque id (operators). */
  randomId: () => string;
  /** Default 8 hours. */
  sessionTtlMs?: number;
  loginLimits?: LoginLimits;
  /** Mark the session cookie Secure (behind TLS). Default false (127.0.0.1). */
  secureCookies?: boolean;
  /** Largest request body; default 12 MiB (an enrollment photo). */
  bodyLimit?: number;
  /** SSE keep-alive comment interval; default 15 s. */
  heartbeatMs?: number;
}

export interface RouteContext {
  req: FastifyRequest;
  reply: FastifyReply;
  /** Absent only on public routes. */
  auth: Authenticated;
}

export interface RouteDef {
  method: "GET" | "POST" | "PUT" | "DELETE";
  url: string;
  summary: string;
  /** Who may call it; "public" needs no session. */
  need: Need | "public";
  body?: TSchema;
  /** Body schemas by content type (instead of `body`). */
  content?: Record<string, TSchema>;
  params?: TSchema;
  querystring?: TSchema;
  response: TSchema;
  /** Default 200. */
  status?: number;
  /** Content type of the success response; default application/json. */
  produces?: string;
  handler(ctx: RouteContext): Promise<unknown>;
}

export interface ApiDeps extends SiteApiOptions {
  sessions: Sessions;
  sessionTtlMs: number;
  /** Live SSE responses, ended when the server closes. */
  streams: Set<{ end(): void }>;
}

export const API_TITLE = "facegate site service API";

/** Builds the fastify app (not listening: `inject` for tests, or `listenSiteApi`). */
export async function createSiteApi(options: SiteApiOptions): Promise<FastifyInstance> {
  const sessionTtlMs = options.sessionTtlMs ?? 8 * 60 * 60_000;
  const deps: ApiDeps = {
    ...options,
    sessionTtlMs,
    streams: new Set(),
    sessions: new Sessions({ store: options.store, clock: options.clock, newToken: options.newToken, sessionTtlMs, limits: options.loginLimits ?? DEFAULT_LOGIN_LIMITS }),
  };
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit ?? 12 * 1024 * 1024,
    forceCloseConnections: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: false, allErrors: false } },
  });
  // JSON everywhere, raw bytes for a photo; nothing else (text/plain is refused with 415).
  app.removeContentTypeParser("text/plain");
  app.addContentTypeParser("application/octet-stream", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err: FastifyErrorLike, _req, reply) => sendError(reply, err, options.logger));
  app.setNotFoundHandler((req, reply) => void reply.code(404).send({ error: { code: "not_found", message: `no route ${req.method} ${req.url.split("?")[0]}` } }));
  app.addHook("preClose", async () => {
    for (const s of deps.streams) s.end();
    deps.streams.clear();
  });

  const routes: RouteDef[] = [...residentRoutes(deps), ...recordRoutes(deps)];
  const openapi: RouteDef = {
    method: "GET",
    url: "/api/openapi.json",
    summary: "This document: every route with its request and response schemas",
    need: "public",
    response: { type: "object", additionalProperties: true } as unknown as TSchema,
    handler: async () => document,
  };
  routes.push(openapi);
  const document = openApiDocument(routes, { title: API_TITLE, version: "1" });
  for (const r of routes) register(app, r, deps);
  return app;
}

/** Starts listening; the host must be given (the program defaults it to 127.0.0.1). */
export async function listenSiteApi(app: FastifyInstance, o: { host: string; port: number }): Promise<{ url: string; port: number }> {
  await app.listen({ host: o.host, port: o.port });
  const addr = app.server.address();
  const port = typeof addr === "object" && addr ? addr.port : o.port;
  const host = o.host.includes(":") ? `[${o.host}]` : o.host;
  return { url: `http://${host}:${port}`, port };
}

function register(app: FastifyInstance, r: RouteDef, deps: ApiDeps): void {
  const status = r.status ?? 200;
  const schema: Record<string, unknown> = { response: { [status]: r.response, "4xx": ErrorBody, "5xx": ErrorBody } };
  if (r.body) schema["body"] = r.body;
  if (r.content) schema["body"] = { content: Object.fromEntries(Object.entries(r.content).map(([type, s]) => [type, { schema: s }])) };
  if (r.params) schema["params"] = r.params;
  if (r.querystring) schema["querystring"] = r.querystring;
  app.route({
    method: r.method,
    url: r.url,
    schema,
    handler: async (req, reply) => {
      let auth: Authenticated | undefined;
      if (r.need !== "public") {
        auth = await deps.sessions.check(tokenOf({ cookie: req.headers.cookie, authorization: req.headers.authorization }));
        if (!mayDo(auth.operator.role, r.need)) {
          throw new ApiError("forbidden", `the ${auth.operator.role} role may not ${r.need === "admin" ? "administer the site" : "act"}: ${r.method} ${r.url}`);
        }
      }
      const out = await r.handler({ req, reply, auth: auth as Authenticated });
      if (reply.sent) return reply;
      reply.code(status);
      return out;
    },
  });
}

interface FastifyErrorLike {
  code?: string;
  statusCode?: number;
  message: string;
  validation?: Array<{ instancePath?: string; message?: string; params?: Record<string, unknown> }>;
  validationContext?: string;
}

function sendError(reply: FastifyReply, err: FastifyErrorLike, logger: Logger): void {
  if (err.validation) {
    const v = err.validation[0];
    const where = `${err.validationContext ?? "request"}${(v?.instancePath ?? "").replace(/\//g, ".")}`;
    const extra = v?.params?.["additionalProperty"] ? ` (${String(v.params["additionalProperty"])})` : "";
    void reply.code(400).send({ error: { code: "request_invalid", message: `${where}: ${v?.message ?? "is invalid"}${extra}` } });
    return;
  }
  if (err.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") return void reply.code(415).send({ error: { code: "unsupported_media_type", message: "send application/json (or application/octet-stream for a photo)" } });
  if (err.code === "FST_ERR_CTP_BODY_TOO_LARGE") return void reply.code(413).send({ error: { code: "payload_too_large", message: "the request body is too large" } });
  if (err.code?.startsWith("FST_ERR_CTP") || (err.statusCode === 400 && !(err instanceof ApiError) && !isFacegate(err))) {
    return void reply.code(400).send({ error: { code: "request_malformed", message: "the request body is not valid JSON" } });
  }
  const { status, body } = toErrorResponse(err);
  if (status >= 500) logger.error("an API request failed", { error: err });
  if (err instanceof ApiError && err.code === "login_rate_limited") void reply.header("retry-after", String(err.details["retryAfterS"] ?? 60));
  void reply.code(status).send(body);
}

function isFacegate(err: unknown): boolean {
  return typeof err === "object" && err !== null && "details" in err && typeof (err as { code?: unknown }).code === "string";
}
