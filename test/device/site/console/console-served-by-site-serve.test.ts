/**
 * `facegate site serve` serves the console itself: the same process and port as the API,
 * the page in the browser's language (Accept-Language), every file under the CSP
 * `default-src 'self'`, nothing else readable; Chromium loads the login page from the
 * running program with no error and no request to anything but the service.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONSOLE_CSP, consoleLanguage } from "../../../../device/site/console/mount-console.js";
import { startTestBroker, type TestBroker } from "../../../support/broker.js";
import { cliArgs } from "../../../support/cli-process.js";
import { type SiteHarness, startSiteHarness } from "../../../support/site-harness.js";
import { chromiumAvailable, launchChromium } from "./browser.js";
import { writeSiteConfig } from "../../../support/site-serve-process.js";

async function until<T>(what: string, probe: () => T | undefined, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("the console's language from Accept-Language", () => {
  it("prefers Chinese or English by the browser's ranking, English otherwise", () => {
    expect(consoleLanguage("zh-CN,zh;q=0.9,en;q=0.8")).toBe("zh-CN");
    expect(consoleLanguage("en-GB,en;q=0.9,zh-CN;q=0.8")).toBe("en");
    expect(consoleLanguage("fr-FR,zh-TW;q=0.7,en;q=0.5")).toBe("zh-CN");
    expect(consoleLanguage("de;q=1, en;q=0.2, zh;q=0.9")).toBe("zh-CN");
    expect(consoleLanguage("zh;q=0, en")).toBe("en");
    expect(consoleLanguage("fr")).toBe("en");
    expect(consoleLanguage(undefined)).toBe("en");
  });
});

describe("facegate site serve serves the console", () => {
  let broker: TestBroker;
  let site: SiteHarness;
  let dir: string;
  let child: ChildProcess | undefined;
  let base: string;
  let exit: Promise<number | null>;
  let output = "";

  beforeAll(async () => {
    broker = await startTestBroker();
    site = await startSiteHarness({ broker, gateIds: ["lobby"], pipeline: null, start: Date.now() });
    dir = mkdtempSync(join(tmpdir(), "fg-console-"));
    writeSiteConfig(dir, { site, broker, extra: { http: { port: 0 } } });
    child = spawn(process.execPath, cliArgs(["site", "serve", "--config", join(dir, "site.json")]), { stdio: ["ignore", "pipe", "pipe"], cwd: dir });
    child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    exit = new Promise((r) => child!.on("exit", (code) => r(code)));
    base = await until("the API address", () => /site API on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1]);
  }, 60_000);

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await site?.close();
    await broker?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("the page in the browser's language, every file under default-src 'self', nothing else readable", async () => {
    const zh = await fetch(`${base}/`, { headers: { "accept-language": "zh-CN,zh;q=0.9,en;q=0.5" } });
    expect(zh.status).toBe(200);
    expect(zh.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(zh.headers.get("content-security-policy")).toBe(CONSOLE_CSP);
    const html = await zh.text();
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc="\/console\/)|\sstyle=|\son[a-z]+=/); // no inline script, style or handler for the CSP to refuse
    expect(await (await fetch(`${base}/`, { headers: { "accept-language": "en-US" } })).text()).toContain('<html lang="en">');
    for (const [file, type] of [
      ["console.js", "text/javascript; charset=utf-8"],
      ["pages.js", "text/javascript; charset=utf-8"],
      ["verify-certificate.js", "text/javascript; charset=utf-8"],
      ["ed25519.js", "text/javascript; charset=utf-8"],
      ["console.css", "text/css; charset=utf-8"],
    ] as const) {
      const r = await fetch(`${base}/console/${file}`);
      expect({ file, status: r.status, type: r.headers.get("content-type"), csp: r.headers.get("content-security-policy") }).toEqual({ file, status: 200, type, csp: CONSOLE_CSP });
    }
    for (const path of ["/console/mount-console.ts", "/console/..%2Fmount-console.ts", "/console/index.html.bak", "/site.db", "/console/"]) {
      const r = await fetch(`${base}${path}`);
      expect({ path, status: r.status }).toEqual({ path, status: 404 });
    }
    // The API's own answers carry the same policy.
    const api = await fetch(`${base}/api/gates`);
    expect([api.status, api.headers.get("content-security-policy")]).toEqual([401, CONSOLE_CSP]);
  });

  it.skipIf(!chromiumAvailable)("Chromium loads the console from the running program: the login page, no error, no request elsewhere", { timeout: 60_000 }, async () => {
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ locale: "en-US" });
      const page = await context.newPage();
      const urls: string[] = [];
      const errors: string[] = [];
      page.on("request", (r) => urls.push(r.url()));
      page.on("pageerror", (e) => errors.push(String(e)));
      page.on("console", (m) => {
        if (m.type() === "error" && !/status of 401/.test(m.text())) errors.push(m.text());
      });
      await page.goto(base);
      await page.locator("body[data-ready=true]").waitFor();
      expect(await page.locator("#login h1").textContent()).toBe("Log in");
      expect(errors).toEqual([]);
      expect(urls.filter((u) => !u.startsWith(`${base}/`))).toEqual([]);
      expect(urls.length).toBeGreaterThanOrEqual(8); // the page, its style, icon, scripts and the session check
    } finally {
      await browser.close();
    }
  });

  it("SIGTERM stops the console with the service", async () => {
    child!.kill("SIGTERM");
    expect(await exit).toBe(0);
    await expect(fetch(`${base}/`)).rejects.toThrow();
  });
});
