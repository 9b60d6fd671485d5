/**
 * The operator's console (issue 15), served by the site service's own fastify instance
 * under `/` beside the API under `/api` (one process, no second server). The front end is
 * a few static files in ./static (HTML, CSS and vanilla ES modules; no framework, no build
 * step), read once at mount. Every response of the instance gets a Content-Security-Policy
 * of `default-src 'self'`: the pages may load and call nothing but the service itself.
 *
 * The page's language is chosen from Accept-Language (zh-CN or English) and can be switched
 * in the page; the front end reads `<html lang>`.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";

export const CONSOLE_CSP = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const STATIC_DIR = join(dirname(fileURLToPath(import.meta.url)), "static");

/** Every asset the console serves, with its content type. Nothing else is readable. */
const ASSETS: Readonly<Record<string, string>> = {
  "console.js": "text/javascript; charset=utf-8",
  "i18n.js": "text/javascript; charset=utf-8",
  "dom.js": "text/javascript; charset=utf-8",
  "pages.js": "text/javascript; charset=utf-8",
  "forms.js": "text/javascript; charset=utf-8",
  "verify-certificate.js": "text/javascript; charset=utf-8",
  "ed25519.js": "text/javascript; charset=utf-8",
  "console.css": "text/css; charset=utf-8",
  "favicon.svg": "image/svg+xml",
};

export interface MountConsoleOptions {
  /** Where the static files are; default ./static beside this module. */
  dir?: string;
}

/** The language of the first page: zh-CN when the browser prefers Chinese, else English. */
export function consoleLanguage(acceptLanguage: string | undefined): "zh-CN" | "en" {
  const ranked = (acceptLanguage ?? "")
    .split(",")
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(";");
      const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
      return { tag: (tag ?? "").toLowerCase(), q: q ? Number(q.slice(2)) || 0 : 1, i };
    })
    .filter((x) => x.tag !== "" && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag } of ranked) {
    if (tag.startsWith("zh")) return "zh-CN";
    if (tag.startsWith("en")) return "en";
  }
  return "en";
}

/** Adds the console's routes and the CSP header to an API instance that is not listening yet. */
export function mountConsole(app: FastifyInstance, options: MountConsoleOptions = {}): void {
  const dir = options.dir ?? STATIC_DIR;
  const files = new Map<string, Buffer>(Object.keys(ASSETS).map((name) => [name, readFileSync(join(dir, name))]));
  const index = readFileSync(join(dir, "index.html"), "utf8");

  app.addHook("onSend", async (_req, reply, payload) => {
    reply.header("content-security-policy", CONSOLE_CSP);
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "no-referrer");
    return payload;
  });

  const page = async (req: { headers: Record<string, string | string[] | undefined> }, reply: { header(k: string, v: string): unknown; type(t: string): unknown }) => {
    const accept = req.headers["accept-language"];
    const lang = consoleLanguage(Array.isArray(accept) ? accept.join(",") : accept);
    reply.type("text/html; charset=utf-8");
    reply.header("cache-control", "no-store");
    reply.header("vary", "accept-language");
    return index.replace("{{lang}}", lang);
  };
  app.get("/", page);
  app.get("/index.html", page);
  app.get<{ Params: { file: string } }>("/console/:file", async (req, reply) => {
    const name = req.params.file;
    const body = Object.hasOwn(ASSETS, name) ? files.get(name) : undefined;
    if (!body) return reply.code(404).send({ error: { code: "not_found", message: `no console file ${name}` } });
    reply.type(ASSETS[name]!);
    reply.header("cache-control", "no-cache");
    return reply.send(body);
  });
}
