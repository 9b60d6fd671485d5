/**
 * The PrivacyDesk port (sdk/gate/ports.ts) as a suite: the notice (L3), a consent given
 * at the gate (L1, L9, L10), enrollment from a lent embedding (L1, L4), and the one
 * deletion path with its receipt (L7, L11). What the desk enrolls is looked for with the
 * paired FaceMatcher (face-ports-fixture.ts).
 */
import { expect } from "vitest";
import { ConsentError, FacegateError } from "../../sdk/errors.js";
import type { DeletionReceiptSummary } from "../../sdk/gate/ports.js";
import { type Obligation, registerContract, rejectionOf } from "../../sdk/testing/contract-kit.js";
import { MAX_TEMPLATES_PER_SUBJECT } from "../../sdk/vault/template-vault.js";
import { type FacePortsFixture, type FacePortsImplementation, blend, consentAtGate, vector } from "./face-ports-fixture.js";

/** The desk may answer synchronously; a refusal may be a throw or a rejected promise. */
async function refusal(f: () => unknown, what: string): Promise<unknown> {
  return rejectionOf(async () => f(), what);
}

async function expectConsentError(f: () => unknown, what: string, code?: string): Promise<void> {
  const err = await refusal(f, what);
  expect(err, `${what}: a ConsentError`).toBeInstanceOf(ConsentError);
  if (code) expect((err as ConsentError).code, `${what}: its code`).toBe(code);
}

async function found(f: FacePortsFixture, personRef: string, embedding: Float32Array): Promise<boolean> {
  const hits = await f.matcher(f.gates.gate).search(Float32Array.from(embedding), 5);
  return hits.some((h) => h.personRef === personRef);
}

function expectReceipt(r: DeletionReceiptSummary, f: FacePortsFixture, personRef: string, reason: DeletionReceiptSummary["reason"], templatesDeleted: number): void {
  expect(r).toMatchObject({ personRef, reason, templatesDeleted, issuedAt: f.clock.now() });
  expect(typeof r.receiptId === "string" && r.receiptId.length > 0, "receiptId").toBe(true);
  expect(r.verificationCode).toMatch(/^[0-9a-f]{16}$/);
}

export const privacyDeskObligations: ReadonlyArray<Obligation<FacePortsFixture>> = [
  {
    name: "currentNotice gives the notice in force: a version, the hex content hash consents reference, and its text (L3)",
    async check(f) {
      const notice = await f.desk.currentNotice();
      expect(typeof notice.version === "string" && notice.version.length > 0, "version").toBe(true);
      expect(notice.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(notice.text.length).toBeGreaterThan(0);
    },
  },
  {
    name: "while no notice has been published, currentNotice refuses (ConsentError notice_missing) and no consent can be given",
    async check(f) {
      const bare = await f.deskWithoutNotice();
      await expectConsentError(() => bare.currentNotice(), "currentNotice without a notice", "notice_missing");
      const given = { noticeVersion: "1", noticeHash: "ab".repeat(32), method: "electronic" as const, collectedBy: "gate:gate-a", gateId: "gate-a", at: f.clock.now() };
      await expectConsentError(() => bare.giveConsent("p-amy", given), "giveConsent without a notice", "notice_not_current");
    },
  },
  {
    name: "hasValidConsent is false for a person who never consented",
    async check(f) {
      expect(await f.desk.hasValidConsent("p-nobody", f.gates.gate, f.clock.now())).toBe(false);
    },
  },
  {
    name: "a consent given under the current notice is valid from when it was given until its finite expiry (L1, L9)",
    async check(f) {
      const at = f.clock.now();
      const consent = await consentAtGate(f, "p-amy");
      expect(typeof consent.consentId === "string" && consent.consentId.length > 0, "consentId").toBe(true);
      expect(Number.isFinite(consent.expiresAt) && consent.expiresAt > at, "a finite term").toBe(true);
      expect(consent.expiresAt).toBeLessThanOrEqual(at + f.maxTermMs);
      expect(await f.desk.hasValidConsent("p-amy", f.gates.gate, at - 1), "before it was given").toBe(false);
      expect(await f.desk.hasValidConsent("p-amy", f.gates.gate, at)).toBe(true);
      expect(await f.desk.hasValidConsent("p-amy", f.gates.gate, consent.expiresAt - 1)).toBe(true);
      expect(await f.desk.hasValidConsent("p-amy", f.gates.gate, consent.expiresAt), "at its expiry").toBe(false);
    },
  },
  {
    name: "a consent given at one gate covers the site's gates and no other gate (L1)",
    async check(f) {
      await consentAtGate(f, "p-amy");
      const at = f.clock.now();
      expect(await f.desk.hasValidConsent("p-amy", f.gates.siteGate, at)).toBe(true);
      expect(await f.desk.hasValidConsent("p-amy", f.gates.foreignGate, at)).toBe(false);
    },
  },
  {
    name: "giveConsent refuses a notice that is not the current one (ConsentError notice_not_current) and records nothing (L3)",
    async check(f) {
      const notice = await f.desk.currentNotice();
      const stale = { noticeVersion: notice.version, noticeHash: "cd".repeat(32), method: "electronic" as const, collectedBy: "gate:gate-a", gateId: f.gates.gate, at: f.clock.now() };
      await expectConsentError(() => f.desk.giveConsent("p-amy", stale), "a stale notice", "notice_not_current");
      expect(await f.desk.hasValidConsent("p-amy", f.gates.gate, f.clock.now())).toBe(false);
    },
  },
  {
    name: "giveConsent refuses a minor (ConsentError consent_guardian_required: a guardian consents through staff, L10) and records nothing",
    async check(f) {
      f.markMinor("p-kid");
      await expectConsentError(() => consentAtGate(f, "p-kid"), "a minor's consent at the gate", "consent_guardian_required");
      expect(await f.desk.hasValidConsent("p-kid", f.gates.gate, f.clock.now())).toBe(false);
    },
  },
  {
    name: "enrollFromEmbedding refuses (ConsentError) without a consent valid now for the enrolling gate (L1)",
    async check(f) {
      await expectConsentError(() => f.desk.enrollFromEmbedding("p-amy", vector(1), f.gates.gate), "enrollment without consent");
      const { expiresAt } = await consentAtGate(f, "p-amy");
      await expectConsentError(() => f.desk.enrollFromEmbedding("p-amy", vector(1), f.gates.foreignGate), "enrollment at a gate the consent does not cover");
      f.clock.set(expiresAt);
      await expectConsentError(() => f.desk.enrollFromEmbedding("p-amy", vector(1), f.gates.gate), "enrollment after the consent expired");
      f.clock.set(expiresAt + 1);
      expect(await found(f, "p-amy", vector(1))).toBe(false);
    },
  },
  {
    name: "enrollFromEmbedding copies the embedding: the caller wipes its own at once, and the person is found by it (L4)",
    async check(f) {
      await consentAtGate(f, "p-amy");
      const lent = vector(1);
      const { templateId } = await f.desk.enrollFromEmbedding("p-amy", lent, f.gates.gate);
      lent.fill(0);
      expect(typeof templateId === "string" && templateId.length > 0, "templateId").toBe(true);
      const [hit] = await f.matcher(f.gates.gate).search(blend(vector(1), vector(6), 0.1), 1);
      expect(hit).toMatchObject({ personRef: "p-amy", templateId });
    },
  },
  {
    name: "enrollFromEmbedding gives each template its own id",
    async check(f) {
      await consentAtGate(f, "p-amy");
      await consentAtGate(f, "p-bob");
      const ids = [
        (await f.desk.enrollFromEmbedding("p-amy", vector(1), f.gates.gate)).templateId,
        (await f.desk.enrollFromEmbedding("p-amy", vector(2), f.gates.gate)).templateId,
        (await f.desk.enrollFromEmbedding("p-bob", vector(3), f.gates.gate)).templateId,
      ];
      expect(new Set(ids).size).toBe(3);
    },
  },
  {
    name: "enrollFromEmbedding refuses a malformed embedding (template_invalid) and keeps nothing of it",
    async check(f) {
      await consentAtGate(f, "p-amy");
      const nan = vector(1);
      nan[3] = Number.NaN;
      for (const [bad, what] of [
        [new Float32Array(128).fill(0.1), "a 128-d vector"],
        [nan, "a NaN"],
        [new Float32Array(512), "all zeros"],
      ] as const) {
        const err = await refusal(() => f.desk.enrollFromEmbedding("p-amy", bad, f.gates.gate), what);
        expect(err, what).toBeInstanceOf(FacegateError);
        expect((err as FacegateError).code, what).toBe("template_invalid");
      }
      expect((await f.desk.withdrawConsent("p-amy")).templatesDeleted).toBe(0);
    },
  },
  {
    name: `enrollFromEmbedding refuses more than ${MAX_TEMPLATES_PER_SUBJECT} templates for one person (template_limit)`,
    async check(f) {
      await consentAtGate(f, "p-amy");
      for (let i = 0; i < MAX_TEMPLATES_PER_SUBJECT; i++) await f.desk.enrollFromEmbedding("p-amy", vector(i + 1), f.gates.gate);
      const err = await refusal(() => f.desk.enrollFromEmbedding("p-amy", vector(99), f.gates.gate), "one template too many");
      expect(err).toBeInstanceOf(FacegateError);
      expect((err as FacegateError).code).toBe("template_limit");
      expect((await f.desk.deleteTemplates("p-amy")).templatesDeleted).toBe(MAX_TEMPLATES_PER_SUBJECT);
    },
  },
  {
    name: "withdrawConsent ends the consent and deletes every template at once, with a receipt (L7, L11)",
    async check(f) {
      await consentAtGate(f, "p-amy");
      await f.desk.enrollFromEmbedding("p-amy", vector(1), f.gates.gate);
      await f.desk.enrollFromEmbedding("p-amy", vector(2), f.gates.gate);
      f.clock.advance(60_000);
      expectReceipt(await f.desk.withdrawConsent("p-amy"), f, "p-amy", "consent_withdrawn", 2);
      expect(await f.desk.hasValidConsent("p-amy", f.gates.gate, f.clock.now())).toBe(false);
      expect(await found(f, "p-amy", vector(1))).toBe(false);
      expect(await found(f, "p-amy", vector(2))).toBe(false);
    },
  },
  {
    name: "deleteTemplates destroys every template and ends the consent too (one deletion path, L7), with a receipt",
    async check(f) {
      await consentAtGate(f, "p-amy");
      await f.desk.enrollFromEmbedding("p-amy", vector(1), f.gates.gate);
      f.clock.advance(60_000);
      expectReceipt(await f.desk.deleteTemplates("p-amy"), f, "p-amy", "deletion_request", 1);
      expect(await f.desk.hasValidConsent("p-amy", f.gates.gate, f.clock.now()), "the consent ended").toBe(false);
      expect(await found(f, "p-amy", vector(1))).toBe(false);
      await expectConsentError(() => f.desk.enrollFromEmbedding("p-amy", vector(1), f.gates.gate), "enrollment after the deletion, before a new consent");
    },
  },
  {
    name: "after a withdrawal or a deletion the resident may consent and enroll again",
    async check(f) {
      for (const end of ["withdrawConsent", "deleteTemplates"] as const) {
        await consentAtGate(f, "p-amy");
        await f.desk.enrollFromEmbedding("p-amy", vector(1), f.gates.gate);
        await f.desk[end]("p-amy");
        await consentAtGate(f, "p-amy");
        await f.desk.enrollFromEmbedding("p-amy", vector(2), f.gates.gate);
        expect(await found(f, "p-amy", vector(2)), `enrolled again after ${end}`).toBe(true);
        const old = await f.matcher(f.gates.gate).verify("p-amy", vector(1));
        expect(old!, `the template from before ${end} stays gone`).toBeLessThan(0.5);
        await f.desk.deleteTemplates("p-amy");
      }
    },
  },
  {
    name: "a withdrawal or deletion with nothing held still gives a receipt, with no template deleted; receipt ids differ",
    async check(f) {
      const a = await f.desk.withdrawConsent("p-nobody");
      const b = await f.desk.deleteTemplates("p-nobody");
      expectReceipt(a, f, "p-nobody", "consent_withdrawn", 0);
      expectReceipt(b, f, "p-nobody", "deletion_request", 0);
      expect(a.receiptId).not.toBe(b.receiptId);
    },
  },
];

export function privacyDeskContract(implementation: FacePortsImplementation): void {
  registerContract("PrivacyDesk contract (sdk/gate/ports.ts)", implementation, privacyDeskObligations);
}
