import { describe, expect, it } from "vitest";
import { noticeHash } from "../../../sdk/consent/notice.js";
import { ConfigError } from "../../../sdk/errors.js";
import { DAY, consentInput, embedding, openFixture, sampleNotice } from "../../support/secure-store-fixture.js";

describe("consent registry", () => {
  it("L3 notices are versioned and identified by the SHA-256 of their canonical content", async () => {
    const f = await openFixture();
    const current = f.store.consents.currentNotice()!;
    expect(current.hash).toBe(noticeHash(sampleNotice()));
    expect(current.hash).toMatch(/^[0-9a-f]{64}$/);
    // Key order does not matter; content does.
    const reordered = Object.fromEntries(Object.entries(sampleNotice()).reverse()) as ReturnType<typeof sampleNotice>;
    expect(noticeHash(reordered)).toBe(current.hash);
    expect(noticeHash({ ...sampleNotice(), retention: "forever" })).not.toBe(current.hash);
    expect(() => f.store.consents.publishNotice(sampleNotice(1))).not.toThrow(); // same content: idempotent
    expect(() => f.store.consents.publishNotice({ ...sampleNotice(1), contact: "x" })).toThrow(/version/);
    const v2 = f.store.consents.publishNotice({ ...sampleNotice(2), retention: "At most 180 days" });
    expect(f.store.consents.currentNotice()!.hash).toBe(v2.hash);
    expect(() => f.store.consents.publishNotice({ ...sampleNotice(3), rights: "" })).toThrow(/notice.rights/);
    // A consent references the notice it was given under; an unknown hash is refused.
    const c = f.store.consents.give(consentInput(f, "s1"));
    expect(c.noticeHash).toBe(current.hash);
    expect(() => f.store.consents.give(consentInput(f, "s2", { noticeHash: "0".repeat(64) }))).toThrow(/no published notice/);
    expect(f.store.audit.entries().filter((e) => e.type === "notice.published")).toHaveLength(2);
    f.store.close();
  });

  it("L1 a consent is separate and names scope, notice, method, evidence, collector, time and expiry", async () => {
    const f = await openFixture();
    expect(() => f.store.consents.give({ ...consentInput(f, "s1"), separate: false as never })).toThrow(/bundled/);
    expect(() => f.store.consents.give(consentInput(f, "s1", { purpose: "marketing" as never }))).toThrow(/entry_verification/);
    expect(() => f.store.consents.give(consentInput(f, "s1", { gateIds: [] }))).toThrow(/gateIds/);
    expect(() => f.store.consents.give(consentInput(f, "s1", { gateIds: ["gate-z"] }))).toThrow(/not a gate of site/);
    expect(() => f.store.consents.give(consentInput(f, "s1", { method: "verbal" as never }))).toThrow(/method/);
    expect(() => f.store.consents.give(consentInput(f, "s1", { evidenceRef: "" }))).toThrow(/evidenceRef/);
    expect(() => f.store.consents.give(consentInput(f, "s1", { collectedBy: " " }))).toThrow(/collectedBy/);
    expect(() => f.store.consents.give(consentInput(f, "s1", { givenAt: f.clock.now() + 1000 }))).toThrow(/givenAt/);
    const c = f.store.consents.give(consentInput(f, "s1", { method: "electronic", gateIds: ["gate-a", "gate-b"] }));
    expect(c).toMatchObject({ subjectId: "s1", siteId: "site-1", processorId: "proc-1", gateIds: ["gate-a", "gate-b"], method: "electronic", collectedBy: "staff-7", givenAt: f.clock.now(), minor: false });
    const entry = f.store.audit.entries().find((e) => e.type === "consent.given")!;
    expect(entry).toMatchObject({ subject: "s1", actor: "staff-7", details: { consentId: c.id, noticeHash: f.noticeHash } });
    expect(f.events.events.find((e) => e.type === "privacy.consent_given")?.data).toMatchObject({ subjectId: "s1", consentId: c.id });
    f.store.close();
  });

  it("L9 unlimited, irrevocable, over-long or foreign consents are refused; withdrawal works at any time", async () => {
    const f = await openFixture();
    expect(() => f.store.consents.give(consentInput(f, "s1", { expiresAt: Number.POSITIVE_INFINITY }))).toThrow(/finite expiry/);
    expect(() => f.store.consents.give({ ...consentInput(f, "s1"), expiresAt: undefined as never })).toThrow(/finite expiry/);
    expect(() => f.store.consents.give(consentInput(f, "s1", { irrevocable: true }))).toThrow(/irrevocable/);
    expect(() => f.store.consents.give(consentInput(f, "s1", { expiresAt: f.clock.now() + 366 * DAY }))).toThrow(/365-day maximum/);
    expect(() => f.store.consents.give(consentInput(f, "s1", { siteId: "site-2" }))).toThrow(/serves site-1/);
    expect(() => f.store.consents.give(consentInput(f, "s1", { processorId: "proc-2" }))).toThrow(/processor/);
    f.store.consents.give(consentInput(f, "s1", { expiresAt: f.clock.now() + 365 * DAY }));
    f.store.vault.enroll({ subjectId: "s1", gateId: "gate-a", embeddings: [embedding(1)] });
    f.clock.advance(DAY);
    const receipt = f.store.deletion.withdrawConsent({ subjectId: "s1", actor: "resident" });
    expect(receipt).toMatchObject({ trigger: "consent_withdrawn", deleted: { templates: 1, dataKeys: 1, consentsEnded: 1 } });
    expect(f.store.consents.validConsent({ subjectId: "s1", gateId: "gate-a" })).toBeUndefined();
    expect(f.store.subjectStatus("s1").consent?.status).toBe("withdrawn");
    expect(() => f.store.vault.enroll({ subjectId: "s1", gateId: "gate-a", embeddings: [embedding(1)] })).toThrow(/no valid face consent/);
    f.store.close();
  });

  it("L9 configuration cannot allow unlimited consent, and a consent of another site is not valid here", async () => {
    await expect(openFixture({ config: { maxConsentDays: Number.POSITIVE_INFINITY } })).rejects.toThrow(ConfigError);
    await expect(openFixture({ config: { maxConsentDays: 0 } })).rejects.toThrow(/maxConsentDays/);
    await expect(openFixture({ config: { maxConsentDays: 30, maxMinorConsentDays: 60 } })).rejects.toThrow(/maxMinorConsentDays/);
    const f = await openFixture();
    f.store.consents.give(consentInput(f, "s1"));
    // The same database reopened for another site (policy change, audited) no longer honours it.
    f.store.close();
    const other = await openFixture({ dir: f.dir, config: { siteId: "site-2" } });
    expect(other.store.consents.validConsent({ subjectId: "s1", gateId: "gate-a" })).toBeUndefined();
    expect(other.store.audit.entries().find((e) => e.type === "policy.changed")?.details).toMatchObject({ policy: { siteId: "site-2" }, previous: { siteId: "site-1" } });
    other.store.close();
  });

  it("L10 a minor needs a guardian's consent naming the guardian, with a shorter maximum term", async () => {
    const f = await openFixture();
    const child = { birthDate: "2016-05-01" }; // 9 years old on 2026-01-01
    expect(() => f.store.consents.give(consentInput(f, "kid", child))).toThrow(/guardian/);
    expect(() => f.store.consents.give(consentInput(f, "kid", { minor: true }))).toThrow(/guardian/);
    const guardian = { ref: "resident-42", name: "Wang Fang", relationship: "mother" };
    expect(() => f.store.consents.give(consentInput(f, "kid", { ...child, guardian: { ...guardian, name: "" } }))).toThrow(/guardian.name/);
    expect(() => f.store.consents.give(consentInput(f, "kid", { ...child, guardian, expiresAt: f.clock.now() + 91 * DAY }))).toThrow(/90-day maximum for minors/);
    const c = f.store.consents.give(consentInput(f, "kid", { ...child, guardian, expiresAt: f.clock.now() + 90 * DAY }));
    expect(c).toMatchObject({ minor: true, guardian });
    expect(f.store.audit.entries().at(-1)!.details).toMatchObject({ minor: true, guardianRef: "resident-42" });
    expect(JSON.stringify(f.store.audit.entries())).not.toContain("Wang Fang");
    // 14 and over is not a minor; a birth date just before the 14th birthday is.
    expect(f.store.consents.give(consentInput(f, "teen", { birthDate: "2012-01-01" })).minor).toBe(false);
    expect(() => f.store.consents.give(consentInput(f, "teen2", { birthDate: "2012-01-02" }))).toThrow(/guardian/);
    expect(() => f.store.consents.give(consentInput(f, "x", { birthDate: "2012-02-30" }))).toThrow(/birthDate/);
    f.store.close();
  });

  it("L1 validity is checked per gate and per time", async () => {
    const f = await openFixture();
    f.store.consents.give(consentInput(f, "s1", { gateIds: ["gate-b"], expiresAt: f.clock.now() + 10 * DAY }));
    expect(f.store.consents.validConsent({ subjectId: "s1", gateId: "gate-a" })).toBeUndefined();
    expect(f.store.consents.validConsent({ subjectId: "s1", gateId: "gate-b" })).toBeDefined();
    expect(f.store.consents.validConsent({ subjectId: "s1", gateId: "gate-b", at: f.clock.now() + 10 * DAY })).toBeUndefined();
    expect(f.store.consents.nextExpiryAfter(f.clock.now())).toBe(f.clock.now() + 10 * DAY);
    f.store.close();
  });
});
