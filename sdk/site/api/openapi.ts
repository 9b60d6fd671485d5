/**
 * The OpenAPI 3.1 document of the site API, generated from the route table (the same
 * TypeBox schemas fastify validates and serializes with), so it cannot drift from what is
 * served. TypeBox's symbol keys do not survive JSON; what remains is plain JSON Schema.
 */
import type { TSchema } from "@sinclair/typebox";
import { ErrorBody } from "./api-schemas.js";
import type { RouteDef } from "./site-api.js";

const plain = (s: TSchema): Record<string, unknown> => JSON.parse(JSON.stringify(s)) as Record<string, unknown>;

export function openApiDocument(routes: readonly RouteDef[], info: { title: string; version: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
    const parameters: unknown[] = [];
    for (const [where, schema] of [["path", r.params], ["query", r.querystring]] as const) {
      const props = (schema as { properties?: Record<string, TSchema>; required?: string[] } | undefined)?.properties ?? {};
      const required = new Set((schema as { required?: string[] } | undefined)?.required ?? []);
      for (const [name, s] of Object.entries(props)) parameters.push({ name, in: where, required: where === "path" || required.has(name), schema: plain(s) });
    }
    const op: Record<string, unknown> = {
      summary: r.summary,
      operationId: `${r.method.toLowerCase()}${path.replace(/[{}]/g, "").replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ""))}`,
      "x-facegate-role": r.need === "public" ? "public" : r.need === "read" ? "admin, operator, auditor" : r.need === "act" ? "admin, operator" : "admin",
      ...(parameters.length ? { parameters } : {}),
      responses: {
        [String(r.status ?? 200)]: { description: "success", content: { [r.produces ?? "application/json"]: { schema: plain(r.response) } } },
        default: { description: "any failure: a stable code and a message", content: { "application/json": { schema: plain(ErrorBody) } } },
      },
    };
    if (r.need !== "public") op["security"] = [{ session: [] }, { bearer: [] }];
    if (r.body) op["requestBody"] = { required: true, content: { "application/json": { schema: plain(r.body) } } };
    if (r.content) op["requestBody"] = { required: true, content: Object.fromEntries(Object.entries(r.content).map(([t, s]) => [t, { schema: plain(s) }])) };
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: "3.1.0",
    info: { title: info.title, version: info.version },
    paths,
    components: {
      securitySchemes: {
        session: { type: "apiKey", in: "cookie", name: "facegate_session" },
        bearer: { type: "http", scheme: "bearer" },
      },
    },
  };
}
