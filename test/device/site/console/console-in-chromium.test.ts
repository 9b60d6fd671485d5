/**
 * The operator's console in real Chromium (Debian's, driven by playwright-core) against the
 * site service as `facegate site serve` runs it: the real API with the console mounted on
 * the same fastify instance, a real SiteService on a SQLite file, and a site of three real
 * gate runtimes on simulated hardware on one real broker.
 *
 * The duty officer logs in with the keyboard, registers a resident, records consent (the
 * signed form hashed in the browser, only the hash sent), enrolls from a fixture photo,
 * watches the resident's card grant arrive live on the events page (a swipe at a gate's
 * card reader), requests a deletion, sees the three receipts arrive, downloads the
 * certificate and verifies it in the browser (WebCrypto Ed25519 and the vendored verifier;
 * one byte changed and it fails). An auditor's console offers no action and the API refuses
 * one sent anyway. Every page renders in English and in Chinese, with a label on every
 * control; each page's screenshot is written to device/site/console/screenshots/.
 *
 * Every HTTP response and every server-sent event message the browser received is scanned
 * for the card number, the PIN, the photo's bytes and the face template (positive control:
 * the same scan finds them in what the browser sent and in the gate's own template).
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { FastifyInstance } from "fastify";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultModelsDir } from "../../../../models/manifest.js";
import { verifiedModels } from "../../../../models/verify.js";
import { ed25519Signer, generateEd25519KeyPair, type Signer } from "../../../../sdk/crypto/keys.js";
import { createOperator, operatorKeyId } from "../../../../sdk/site/api/index.js";
import { createSiteApi, listenSiteApi } from "../../../../sdk/site/api/site-api.js";
import { verifyCertificate } from "../../../../sdk/site/certificate/index.js";
import { createFacePipeline, type FacePipeline } from "../../../../sdk/vision/index.js";
import { systemTimers } from "../../../../device/runtime/system-timers.js";
import { CONSOLE_CSP, mountConsole } from "../../../../device/site/console/mount-console.js";
import { startTestBroker, type TestBroker } from "../../../support/broker.js";
import { facePath, facesAvailable, repoRoot } from "../../../support/faces.js";
import { type SiteHarness, startSiteHarness } from "../../../support/site-harness.js";
import { SITE_ENGINES, openTestSiteStore, type TestSiteStore } from "../../../sdk/site/service/site-service-db.js";
import { type ServiceUnderTest, startService } from "../../../sdk/site/service/site-service-support.js";
import { chromiumAvailable, launchChromium } from "./browser.js";
import { Traffic } from "./traffic.js";

const GATES = ["main", "b1", "car"] as const;
const AMY = { subject: "r-0101", label: "Flat 3-0101", card: "7301985524", pin: "482913" };
const OFFICER = { name: "duty-officer", password: "operator-password-1" };
const AUDITOR = { name: "night-auditor", password: "auditor-password-1" };
const SHOTS = join(repoRoot, "device", "site", "console", "screenshots");
const PAGES = ["overview", "gates", "residents", "deletions", "events", "audit"] as const;
type Lang = "en" | "zh-CN";

const STRINGS = ((await import(pathToFileURL(join(repoRoot, "device/site/console/static/i18n.js")).href)) as { STRINGS: Record<Lang, Record<string, string>> }).STRINGS;

const needs = !chromiumAvailable ? "chromium is absent" : !facesAvailable ? "the face fixtures are absent" : undefined;
if (needs) console.warn(`\n*** console browser suite SKIPPED: ${needs} ***\n`);

describe.skipIf(needs !== undefined)("the operator's console in Chromium over three real gates", () => {
  let broker: TestBroker;
  let pipeline: FacePipeline;
  let site: SiteHarness;
  let db: TestSiteStore;
  let s: ServiceUnderTest;
  let app: FastifyInstance;
  let base: string;
  let siteKey: Signer;
  let browser: Browser;
  let officerKeyId: string;
  const traffic = new Traffic();
  /** The face template the main gate held after the enrollment, from its own vault. */
  const templates: Float32Array[] = [];
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    broker = await startTestBroker();
    pipeline = await createFacePipeline({ models: verifiedModels(defaultModelsDir()) });
    site = await startSiteHarness({ broker, gateIds: GATES, pipeline, start: Date.now() });
    db = await openTestSiteStore(SITE_ENGINES[0]!, site.clock);
    siteKey = await ed25519Signer((await generateEd25519KeyPair()).secretKey);
    s = await startService(site, db.store, { siteKey });
    // Operators first (facegate site operator add), then the gates: each gate gets every operator key.
    const officer = await createOperator({ store: db.store, clock: site.clock, name: OFFICER.name, role: "operator", password: OFFICER.password, id: "op-duty" });
    officerKeyId = operatorKeyId(officer);
    await createOperator({ store: db.store, clock: site.clock, name: AUDITOR.name, role: "auditor", password: AUDITOR.password, id: "op-audit" });
    for (const g of site.gates) await s.service.addGate({ gateId: g.gateId, name: `Gate ${g.gateId}`, signingPublicKey: g.signingPublicKey, boxPublicKey: g.boxPublicKey, ...(g.gateId === "car" ? { groups: ["Car park"] } : {}) });
    app = await createSiteApi({ service: s.service, store: db.store, clock: site.clock, timers: systemTimers, logger: s.logger.child("api"), newToken: () => randomBytes(32).toString("base64url"), randomId: () => randomUUID(), heartbeatMs: 500 });
    mountConsole(app);
    base = (await listenSiteApi(app, { host: "127.0.0.1", port: 0 })).url;
    browser = await launchChromium();
    mkdirSync(SHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await app?.close();
    await s?.service.stop();
    await site?.close();
    await db?.close();
    await pipeline?.close();
    await broker?.stop();
  });

  async function newContext(locale: Lang): Promise<BrowserContext> {
    const c = await browser.newContext({ locale, acceptDownloads: true, viewport: { width: 1280, height: 860 } });
    contexts.push(c);
    traffic.watch(c);
    return c;
  }

  async function newPage(c: BrowserContext): Promise<Page> {
    const p = await c.newPage();
    await traffic.watchEventSource(c, p);
    const errors: string[] = [];
    p.on("pageerror", (e) => errors.push(String(e)));
    p.on("console", (m) => {
      if (m.type() === "error" && !/Failed to load resource: the server responded with a status of (401|403)/.test(m.text())) errors.push(m.text());
    });
    (p as Page & { errors: string[] }).errors = errors;
    return p;
  }

  const errorsOf = (p: Page) => (p as Page & { errors: string[] }).errors;
  const shot = (p: Page, name: string, lang: Lang) => p.screenshot({ path: join(SHOTS, `${name}-${lang}.png`), fullPage: true });

  async function show(p: Page, hash: string): Promise<void> {
    await p.evaluate(`location.hash = ${JSON.stringify(hash)}`);
    await p.locator(`body[data-route="${hash}"]`).waitFor();
    await p.locator("#page-title").waitFor();
  }

  /** Every control has a label (or an aria-label); every button has text. */
  async function unlabelled(p: Page): Promise<string[]> {
    return p.evaluate<string[]>(`[...document.querySelectorAll("input, select, textarea, button")]
      .filter((el) => el.tagName === "BUTTON" ? el.textContent.trim() === "" && !el.getAttribute("aria-label") : (el.labels?.length ?? 0) === 0 && !el.getAttribute("aria-label"))
      .map((el) => el.outerHTML.slice(0, 120))`);
  }

  async function loginByKeyboard(p: Page, who: { name: string; password: string }): Promise<void> {
    await p.locator("#login input[name=name]").focus();
    await p.keyboard.type(who.name);
    await p.keyboard.press("Tab");
    await p.keyboard.type(who.password);
    await p.keyboard.press("Enter");
    await p.locator("#whoami").waitFor();
  }

  it("an operator runs a resident from registration to a verified deletion certificate", { timeout: 240_000 }, async () => {
    const ctx = await newContext("en");
    const p = await newPage(ctx);
    const index = await p.goto(base);
    expect(index!.headers()["content-security-policy"]).toBe(CONSOLE_CSP);
    await p.locator("body[data-ready=true]").waitFor();
    await expect.poll(() => p.locator("#login h1").textContent()).toBe("Log in");
    await shot(p, "login", "en");

    // A wrong password: a clear message, nothing else.
    await p.locator("#login input[name=name]").fill(OFFICER.name);
    await p.locator("#login input[name=password]").fill("wrong-password");
    await p.locator("#login button[type=submit]").click();
    await expect.poll(() => p.locator("#login .error").textContent()).toBe(STRINGS.en["err.login_failed"]);
    await p.locator("#login input[name=name]").fill("");
    await loginByKeyboard(p, OFFICER);
    expect(await p.locator("#whoami").textContent()).toBe("duty-officer (operator)");

    // Overview: three gates online. The API's CSP covers its JSON too.
    await show(p, "#overview");
    await expect.poll(() => p.locator("#count-online .n").textContent(), { timeout: 15_000 }).toBe("3");
    expect(await p.locator("#count-offline .n").textContent()).toBe("0");

    // The events page in a second tab, live, filtered to card grants at the main gate.
    const live = await newPage(ctx);
    await live.goto(`${base}/#events`);
    await live.locator("#event-filters").waitFor();
    await live.locator("#event-filters select[name=gate]").selectOption("main");
    await live.locator("#event-filters input[name=type]").fill("access.granted");
    await live.locator("#event-filters button[type=submit]").click();
    await expect.poll(() => live.locator("#live").getAttribute("class"), { timeout: 10_000 }).toBe("ok");

    // Register a resident: card and PIN typed in, never shown back.
    await show(p, "#residents");
    const reg = p.locator("#register-form");
    await reg.locator("input[name=subject]").fill(AMY.subject);
    await reg.locator("input[name=label]").fill(AMY.label);
    await reg.locator("input[name=cards]").fill(AMY.card);
    await reg.locator("input[name=pin]").fill(AMY.pin);
    await reg.locator("#rights-main").check();
    await reg.locator("#rights-car").check();
    await reg.locator("button[type=submit]").click();
    const regSigned = reg.locator(".signed-line");
    await regSigned.first().waitFor();
    expect(await regSigned.allTextContents()).toEqual([`person.upsert signed with key ${officerKeyId} (duty-officer) for gates car, main`]);
    await p.locator(`#people tr[data-subject=${AMY.subject}]`).waitFor();
    expect(await p.locator(`#people tr[data-subject=${AMY.subject}] td`).allTextContents()).toEqual([AMY.subject, AMY.label, "car, main", "1 set (not shown)", "set (not shown)", "active"]);
    await shot(p, "residents", "en");

    // The resident's page: rights applied at both gates in scope.
    await p.locator(`#people a[href="#residents/${AMY.subject}"]`).click();
    await p.locator("#per-gate").waitFor();
    const cell = (gate: string, col: string) => p.locator(`#per-gate tr[data-gate=${gate}] td[data-col=${col}]`).textContent();
    await expect.poll(() => cell("main", "rights"), { timeout: 20_000 }).toBe("applied");
    await expect.poll(() => cell("car", "rights"), { timeout: 20_000 }).toBe("applied");

    // A swipe at the main gate's card reader: the grant appears live on the events tab.
    site.advance(180_000); // the office's day moves on: distinct times on the pages
    site.gate("main").sim.hardware.swipe(AMY.card);
    await site.gate("main").sim.settle();
    await live.locator('#event-list li[data-type="access.granted"][data-gate="main"]').waitFor({ timeout: 15_000 });
    expect(traffic.sseMessages.some((m) => m.startsWith("site-event\n") && m.includes('"type":"access.granted"'))).toBe(true);
    // Only what the filters let through: grants at the main gate.
    const shown = await live.locator("#event-list li").evaluateAll((els) => els.map((el) => [el.getAttribute("data-gate"), el.getAttribute("data-type")]));
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.every(([g, ty]) => g === "main" && ty === "access.granted")).toBe(true);
    const grantAt = site.clock.now();

    site.advance(140_000);
    // Record consent: the signed form is hashed in the browser; only the hash leaves it.
    const form = Buffer.from(`%PDF-1.4\nconsent of ${AMY.subject} signed at the estate office ${randomUUID()}\n`);
    const formHash = createHash("sha256").update(form).digest("hex");
    const consent = p.locator("#consent-form");
    await consent.locator("input[type=file]").setInputFiles({ name: "consent-r-0101.pdf", mimeType: "application/pdf", buffer: form });
    await expect.poll(() => p.locator("#evidence-hash").textContent()).toBe(formHash);
    const notice = consent.locator("input[name=notice]");
    if ((await notice.inputValue()) === "") await notice.fill(String(site.gate("main").sim.runtime.store.consents.currentNotice()!.version));
    await consent.locator("#scope-car").uncheck();
    await consent.locator("button[type=submit]").click();
    await consent.locator(".signed-line").waitFor();
    expect(await consent.locator(".signed-line").allTextContents()).toEqual([`consent.record signed with key ${officerKeyId} (duty-officer) for gates main`]);
    const consentPost = traffic.sent.find((r) => r.url === `${base}/api/consents`)!;
    expect(JSON.parse(consentPost.body!.toString("utf8"))).toMatchObject({ subject: AMY.subject, evidenceHash: formHash, scope: { gates: ["main"] } });
    expect(traffic.sent.some((r) => r.body?.includes(form))).toBe(false);
    await expect.poll(() => cell("main", "consent"), { timeout: 20_000 }).toBe("applied");
    await expect.poll(() => p.locator("#consents code.evidence").textContent()).toBe(formHash);

    // Enroll from a fixture photo: sealed to the gate in the consent's scope.
    const photo = readFileSync(facePath("identities", "amy", "amy1.png"));
    const enroll = p.locator("#enroll-form");
    await enroll.locator("input[type=file]").setInputFiles({ name: "amy1.png", mimeType: "image/png", buffer: photo });
    await enroll.locator("button[type=submit]").click();
    await enroll.locator(".signed-line").waitFor({ timeout: 60_000 });
    expect(await enroll.locator(".signed-line").allTextContents()).toEqual([`enroll.photo signed with key ${officerKeyId} (duty-officer) for gates main`]);
    await expect.poll(() => cell("main", "template"), { timeout: 60_000 }).toBe("applied");
    await shot(p, "resident", "en");
    // The face template the main gate now holds (for the leak scan), read from its own vault.
    site.gate("main").sim.runtime.store.vault.loadInto({ add: (_s, _t, e) => void templates.push(Float32Array.from(e)), remove: () => undefined });
    expect(templates.length).toBeGreaterThan(0);

    await show(p, "#gates");
    await expect.poll(() => p.locator("#gates tr[data-gate=main] td").nth(3).textContent(), { timeout: 20_000 }).not.toBe("—");
    // The notice version each gate announced, as the gate itself holds it.
    const noticeVersion = String(site.gate("main").sim.runtime.store.consents.currentNotice()!.version);
    await expect.poll(() => p.locator("#gates tr[data-gate=main] td").nth(8).textContent(), { timeout: 20_000 }).toBe(noticeVersion);
    await shot(p, "gates", "en");

    site.advance(3_600_000);
    // Request the deletion; the three receipts arrive on the deletions page.
    await show(p, `#residents/${AMY.subject}`);
    const del = p.locator("#deletion-form");
    await del.locator("select[name=reason]").selectOption("resident_request");
    await del.locator("button[type=submit]").click();
    await del.locator(".signed-line").waitFor();
    expect(await del.locator(".signed-line").allTextContents()).toEqual([`subject.delete signed with key ${officerKeyId} (duty-officer) for gates b1, car, main`]);
    await show(p, "#deletions");
    // The site key the verify form starts with is the service's certificate key (GET /api/site).
    expect(await p.locator("#verify-file input[name=site-key]").inputValue()).toBe(Buffer.from(siteKey.publicKey).toString("base64"));
    const section = p.locator("section.deletion").first();
    await expect.poll(() => section.locator("tr[data-receipt=yes]").count(), { timeout: 30_000 }).toBe(3);
    await expect.poll(() => section.locator("[data-state]").getAttribute("data-state"), { timeout: 30_000 }).toBe("complete");
    expect(await section.locator(".receipt-count").textContent()).toBe("3 of 3 receipts");
    for (const g of GATES) expect(await section.locator(`tr[data-gate=${g}] td`).nth(3).textContent()).toBe(officerKeyId);

    // Download the certificate; verify it in the browser.
    const [download] = await Promise.all([p.waitForEvent("download"), section.locator("a.certificate").click()]);
    const certBytes = readFileSync((await download.path())!);
    expect(await verifyCertificate(JSON.parse(certBytes.toString("utf8")), { siteKey: siteKey.publicKey })).toMatchObject({ ok: true });
    await section.locator("button.verify").click();
    await expect.poll(() => section.locator(".verify-ok").textContent()).toContain("The certificate verifies");
    expect(await section.locator(".verify-ok").textContent()).toContain("subtle Ed25519");
    const checkFile = async (bytes: Buffer) => {
      await p.locator("#verify-file input[type=file]").setInputFiles({ name: "certificate.json", mimeType: "application/json", buffer: bytes });
      await p.evaluate(`document.getElementById("file-verdict").replaceChildren()`);
      await p.locator("#verify-file button[type=submit]").click();
      await p.locator("#file-verdict > div").waitFor();
      return p.locator("#file-verdict > div").getAttribute("class");
    };
    expect(await checkFile(certBytes)).toBe("signed verify-ok");
    // One byte changed (a receipt signature's first character): it fails, and says where.
    const tampered = Buffer.from(certBytes);
    const at = certBytes.indexOf('"signature":"') + '"signature":"'.length;
    tampered[at] = tampered[at] === 0x41 ? 0x42 : 0x41;
    expect(await checkFile(tampered)).toBe("error verify-failed");
    // The browser finds what the offline verifier finds: the site signature no longer covers the content, and that receipt no longer verifies.
    const offline = await verifyCertificate(JSON.parse(tampered.toString("utf8")), { siteKey: siteKey.publicKey });
    const browserFound = (await p.locator("#file-verdict li").allTextContents()).map((x) => x.split(":")[0]);
    expect(browserFound).toEqual(offline.problems.map((x) => `${x.code} at ${x.path}`));
    expect(browserFound).toEqual(["signature at signature", "receipt_unverified at receipts[0].receipt.signature"]);
    // The same checks with the vendored verifier (browsers without WebCrypto Ed25519).
    const args = JSON.stringify({ good: certBytes.toString("base64"), bad: tampered.toString("base64"), key: Buffer.from(siteKey.publicKey).toString("base64") });
    const vendored = await p.evaluate(`(async ({ good, bad, key }) => {
      const m = await import("/console/verify-certificate.js");
      const bytes = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
      const okRes = await m.verifyCertificate(bytes(good), bytes(key), { engine: "vendored" });
      const badRes = await m.verifyCertificate(bytes(bad), bytes(key), { engine: "vendored" });
      const otherKey = await m.verifyCertificate(bytes(good), new Uint8Array(32).fill(7), { engine: "vendored" });
      return { ok: [okRes.ok, okRes.engine], bad: badRes.problems.map((x) => x.code), other: otherKey.problems.map((x) => x.code) };
    })(${args})`);
    expect(vendored).toEqual({ ok: [true, "vendored"], bad: ["signature", "receipt_unverified"], other: ["site_key", "signature"] });
    await shot(p, "deletions", "en");

    // The audit page; the subject's evidence exported as one file.
    await show(p, "#audit");
    expect(await p.locator("#audit tbody tr").count()).toBe(3);
    await p.locator("#export-form input[name=subject]").fill(AMY.subject);
    const [evidence] = await Promise.all([p.waitForEvent("download"), p.locator("#export-form button[type=submit]").click()]);
    const bundle = JSON.parse(readFileSync((await evidence.path())!, "utf8")) as { subjectRef: string; certificates: unknown[]; deletions: unknown[]; gateKeys: unknown[] };
    expect([bundle.subjectRef, bundle.certificates.length, bundle.deletions.length, bundle.gateKeys.length]).toEqual([AMY.subject, 1, 1, 3]);
    expect(await verifyCertificate(bundle.certificates[0], { siteKey: siteKey.publicKey })).toMatchObject({ ok: true });
    await shot(p, "audit", "en");
    await show(p, "#events");
    await p.locator("#event-list li").first().waitFor();
    // The time filter: up to just before the card grant, the grant is not among them; from it on, it is.
    const local = (ms: number) => new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    const filters = p.locator("#event-filters");
    await filters.locator("input[name=to]").fill(local(grantAt - 60_000));
    await filters.locator("button[type=submit]").click();
    await expect.poll(() => p.locator('#event-list li[data-type="access.granted"]').count()).toBe(0);
    expect(await p.locator("#event-list li").count()).toBeGreaterThan(0);
    await filters.locator("input[name=to]").fill("");
    await filters.locator("input[name=from]").fill(local(grantAt - 60_000));
    await filters.locator("button[type=submit]").click();
    await expect.poll(() => p.locator('#event-list li[data-type="access.granted"]').count()).toBe(1);
    await filters.locator("input[name=from]").fill("");
    await filters.locator("button[type=submit]").click();
    await expect.poll(() => p.locator('#event-list li[data-type="privacy.deletion"]').count()).toBe(3);
    await shot(p, "events", "en");
    await show(p, "#overview");
    await shot(p, "overview", "en");

    // Every page in both languages, with a label on every control.
    for (const lang of ["en", "zh-CN"] as const) {
      if (lang === "zh-CN") {
        await p.locator("#lang-switch").click();
        await expect.poll(() => p.evaluate("document.documentElement.lang")).toBe("zh-CN");
      }
      for (const name of [...PAGES, `residents/${AMY.subject}`]) {
        await show(p, `#${name}`);
        const title = name.startsWith("residents/") ? `${STRINGS[lang]["person.title"]} ${AMY.subject}` : STRINGS[lang][`nav.${name}`];
        expect({ name, lang, title: await p.locator("#page-title").textContent() }).toEqual({ name, lang, title });
        expect(await p.locator('header nav a[aria-current="page"]').textContent()).toBe(STRINGS[lang][`nav.${name.split("/")[0]}`]);
        expect({ name, lang, unlabelled: await unlabelled(p) }).toEqual({ name, lang, unlabelled: [] });
        expect({ name, lang, junk: (await p.locator("main").innerText()).match(/\bnull\b|\bundefined\b|\[object |\{[a-z]+\}|NaN/g) }).toEqual({ name, lang, junk: null });
        if (lang === "zh-CN") await shot(p, name.startsWith("residents/") ? "resident" : name, lang);
      }
    }
    expect(errorsOf(p)).toEqual([]);
    expect(errorsOf(live)).toEqual([]);
  });

  it("a Chinese browser gets the Chinese console; the keyboard reaches every page", { timeout: 60_000 }, async () => {
    const ctx = await newContext("zh-CN");
    const p = await newPage(ctx);
    await p.goto(base);
    await p.locator("body[data-ready=true]").waitFor();
    expect(await p.evaluate("document.documentElement.lang")).toBe("zh-CN");
    expect(await p.locator("#login h1").textContent()).toBe(STRINGS["zh-CN"]["login.title"]);
    expect(await unlabelled(p)).toEqual([]);
    await shot(p, "login", "zh-CN");
    await loginByKeyboard(p, OFFICER);
    // Tab to the navigation and through it with the keyboard alone.
    const seen: string[] = [];
    for (let i = 0; i < 12 && seen.length < PAGES.length; i++) {
      await p.keyboard.press("Tab");
      const href = await p.evaluate<string | null>(`document.activeElement && document.activeElement.tagName === "A" && document.activeElement.closest("nav") ? document.activeElement.getAttribute("href") : null`);
      if (href && !seen.includes(href)) seen.push(href);
    }
    expect(seen).toEqual(PAGES.map((x) => `#${x}`));
    await p.keyboard.press("Enter"); // the last nav link: audit
    await expect.poll(() => p.locator("#page-title").textContent()).toBe(STRINGS["zh-CN"]["nav.audit"]);
    expect(errorsOf(p)).toEqual([]);
  });

  it("an auditor's console offers no action, and the API refuses one sent anyway", { timeout: 60_000 }, async () => {
    const ctx = await newContext("en");
    const p = await newPage(ctx);
    await p.goto(base);
    await p.locator("body[data-ready=true]").waitFor();
    await loginByKeyboard(p, AUDITOR);
    expect(await p.locator("#whoami").textContent()).toBe("night-auditor (auditor)");
    const actionForms = "#register-form, #rights-form, #consent-form, #enroll-form, #end-access-form, #deletion-form, form[id^=withdraw-]";
    for (const name of [...PAGES, `residents/${AMY.subject}`]) {
      await show(p, `#${name}`);
      expect({ name, forms: await p.locator(actionForms).count() }).toEqual({ name, forms: 0 });
    }
    await show(p, "#residents");
    expect(await p.locator("#read-only").textContent()).toBe(STRINGS.en.readOnly);
    // What an auditor may do: read, verify, export.
    await show(p, "#deletions");
    await p.locator("section.deletion button.verify").first().click();
    await p.locator("section.deletion .verify-ok").first().waitFor();
    // The buttons are absent, and the API refuses the same requests made by hand.
    const refused = await p.evaluate(`(async (subject) => {
      const post = async (url, body) => {
        const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
        return [r.status, (await r.json()).error.code];
      };
      return [await post("/api/people", { subject: "r-0999", rights: { gates: ["main"] } }), await post("/api/deletions", { subject, reason: "court_order" }), await post("/api/people/" + subject + "/end-access", {})];
    })(${JSON.stringify(AMY.subject)})`);
    expect(refused).toEqual([
      [403, "forbidden"],
      [403, "forbidden"],
      [403, "forbidden"],
    ]);
    expect(await db.store.getPerson("r-0999")).toBeFalsy();
  });

  it("nothing the browsers received holds a card number, a PIN, the photo or the template; they asked nothing of anyone else", { timeout: 30_000 }, async () => {
    await traffic.settled();
    const photo = readFileSync(facePath("identities", "amy", "amy1.png"));
    expect(templates.length).toBeGreaterThan(0);
    const secrets = secretsOf({ card: AMY.card, pin: AMY.pin, photo, templates });
    const received = [...traffic.received, ...traffic.sseMessages];
    expect(traffic.sseMessages.length).toBeGreaterThan(0);
    expect(received.join("").length).toBeGreaterThan(50_000);
    expect(traffic.leaks(secrets)).toEqual([]);
    // Positive control: the same scan finds the card and the PIN in the registration the browser sent, and the photo in the enrollment upload.
    const sent = traffic.sent.filter((r) => r.body).flatMap((r) => [r.body!.toString("utf8"), r.body!.toString("latin1")]);
    expect(traffic.leaks([AMY.card, AMY.pin], sent)).toEqual([AMY.card, AMY.pin]);
    expect(traffic.leaks(photoSlices(photo), [...sent, photo.toString("base64"), photo.toString("hex")])).toEqual(photoSlices(photo));
    const t = templates[0]!;
    const templateSecrets = secretsOf({ card: AMY.card, pin: AMY.pin, photo, templates: [t] }).slice(2 + photoSlices(photo).length);
    expect(traffic.leaks(templateSecrets, [JSON.stringify(Array.from(t)), Buffer.from(t.buffer, t.byteOffset, t.byteLength).toString("base64"), Buffer.from(t.buffer, t.byteOffset, t.byteLength).toString("hex")])).toEqual(templateSecrets);
    // Every request went to the service itself.
    expect(traffic.urls.filter((u) => !u.startsWith(`${base}/`) && !u.startsWith("blob:"))).toEqual([]);
  });
});

/** Slices of the photo as raw bytes (latin1), base64 and hex. */
function photoSlices(photo: Buffer): string[] {
  return [120, 999, Math.floor(photo.length / 2)].flatMap((o) => {
    const aligned = o - (o % 3);
    return [photo.subarray(o, o + 24).toString("latin1"), photo.subarray(aligned, aligned + 36).toString("base64"), photo.subarray(o, o + 24).toString("hex")];
  });
}

function secretsOf(o: { card: string; pin: string; photo: Buffer; templates: Float32Array[] }): string[] {
  const out = [o.card, o.pin, ...photoSlices(o.photo)];
  for (const t of o.templates) {
    const bytes = Buffer.from(t.buffer, t.byteOffset, t.byteLength);
    out.push(bytes.subarray(0, 36).toString("base64"), bytes.subarray(0, 24).toString("hex"), ...Array.from(t.subarray(0, 3), (f) => String(f).slice(0, 10)));
  }
  return out;
}
