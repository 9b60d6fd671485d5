/**
 * notice.publish, consent.record, consent.withdraw and subject.delete through the real
 * processor and secure store (L1, L3, L7, L8, L9, L10, L12).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { verifyReceipt } from "../../../../sdk/crypto/signatures.js";
import { embedding, sampleNotice } from "../../../support/secure-store-fixture.js";
import { DAY, type HandlerHarness, addResident, consentBody, makeHandlerHarness } from "./handler-harness.js";

let h: HandlerHarness;
beforeEach(async () => {
  h = await makeHandlerHarness();
});
afterEach(async () => {
  await h.close();
});

const noticeBody = (version: string) => {
  const { version: _v, language: _l, ...text } = sampleNotice(2);
  return { version, notice: { ...text, language: "zh-CN" } };
};

describe("notice.publish (L3)", () => {
  it("publishes a versioned, hashed notice, hands it to the link, and consents can reference it", async () => {
    const r = await h.send("notice.publish", noticeBody("2"));
    expect(r.status).toBe("ok");
    const current = h.store.consents.currentNotice()!;
    expect(r.result).toEqual({ version: "2", hash: current.hash });
    expect(current.version).toBe(2);
    expect(h.published).toHaveLength(1);
    expect(h.published[0]).toMatchObject({ version: "2", hash: current.hash, notice: { language: "zh-CN", purpose: current.purpose } });
    const audit = h.store.audit.entries().filter((e) => e.type === "notice.published").at(-1)!;
    expect(audit.actor).toBe(h.admin.keyId);

    await addResident(h, "p-1");
    const c = await h.send("consent.record", consentBody({ clock: h.clock, noticeHash: current.hash }, "p-1"));
    expect(c.status).toBe("ok");
    expect(h.store.consents.get(c.result!.consentId).noticeHash).toBe(current.hash);
  });

  it("answers the same notice again with the same hash, and refuses an older or non-integer version", async () => {
    const a = await h.send("notice.publish", noticeBody("2"));
    const b = await h.send("notice.publish", noticeBody("2"));
    expect(b.result).toEqual(a.result);
    const older = await h.send("notice.publish", { ...noticeBody("1"), notice: { ...noticeBody("1").notice, purpose: "something else" } });
    expect(older.error?.code).toBe("notice_invalid");
    const label = await h.send("notice.publish", noticeBody("2026-01"));
    expect(label.status).toBe("error");
    expect(label.error).toMatchObject({ code: "notice_invalid", message: expect.stringMatching(/positive integers/) });
  });

  it("is admin-only (L12)", async () => {
    const r = await h.send("notice.publish", noticeBody("2"), { key: h.operator });
    expect(r.error?.code).toBe("command_forbidden");
  });
});

describe("consent.record (L1, L9, L10)", () => {
  beforeEach(async () => {
    await addResident(h, "p-1");
  });

  it("records a separate, scoped consent with its evidence, audited under the operator key", async () => {
    const body = consentBody(h, "p-1");
    const r = await h.send("consent.record", body);
    expect(r.status).toBe("ok");
    expect(r.result).toEqual({ consentId: expect.any(String), subjectRef: "p-1", expiresAt: body.expiresAt });
    const record = h.store.consents.get(r.result!.consentId);
    expect(record).toMatchObject({ subjectId: "p-1", siteId: "site-1", gateIds: ["gate-a"], method: "written", collectedBy: "staff-7", evidenceRef: `sha256:${"ab".repeat(32)}`, minor: false });
    expect(h.store.consents.validConsent({ subjectId: "p-1", gateId: "gate-a" })?.id).toBe(record.id);
    const given = h.store.audit.entries().find((e) => e.type === "consent.given")!;
    expect(given.actor).toBe(h.operator.keyId);
    const evidence = h.store.audit.entries().find((e) => e.type === "consent.evidence")!;
    expect(evidence.details).toMatchObject({ consentId: record.id, kind: "paper_form", reference: "archive-2026-box-3", commandId: r.commandId });
  });

  it("does not record the same consent twice when it is re-issued under a new command id", async () => {
    const body = consentBody(h, "p-1");
    const a = await h.send("consent.record", body);
    const b = await h.send("consent.record", body);
    expect(b.result!.consentId).toBe(a.result!.consentId);
    expect(h.store.consents.list("p-1")).toHaveLength(1);
  });

  it("defaults the scope to the site's gates", async () => {
    const r = await h.send("consent.record", consentBody(h, "p-1", { scope: { purpose: "entry_verification" } }));
    expect(h.store.consents.get(r.result!.consentId).gateIds).toEqual(["gate-a", "gate-b"]);
  });

  it.each([
    ["a term beyond the configured maximum (L9)", { expiresAt: Date.UTC(2026, 0, 1) + 400 * DAY }, "consent_term_too_long"],
    ["another purpose than entry verification (L4)", { scope: { purpose: "marketing" } }, "consent_purpose"],
    ["an unpublished notice (L3)", { noticeHash: "cd".repeat(32) }, "consent_unknown_notice"],
    ["a gate of another site", { scope: { purpose: "entry_verification", gates: ["gate-z"] } }, "consent_wrong_gate"],
    ["a subject other than the person", { subjectRef: "s-9" }, "consent_subject_mismatch"],
  ])("refuses %s with its code, recording nothing", async (_what, over, code) => {
    const r = await h.send("consent.record", consentBody(h, "p-1", over));
    expect(r.status).toBe("error");
    expect(r.error?.code).toBe(code);
    expect(h.store.consents.list("p-1")).toEqual([]);
    expect(h.store.audit.entries().filter((e) => e.type === "consent.evidence")).toEqual([]);
  });

  it("refuses a consent for someone without access rights on this device", async () => {
    const r = await h.send("consent.record", consentBody(h, "nobody"));
    expect(r.error?.code).toBe("not_found");
  });

  it("requires a guardian for a person registered as a minor, and applies the minors' shorter term (L10)", async () => {
    expect((await h.send("person.upsert", { personRef: "kid-1", cards: ["C0FFEE01"], gates: ["gate-a"], minor: true })).status).toBe("ok");
    const alone = await h.send("consent.record", consentBody(h, "kid-1"));
    expect(alone.error?.code).toBe("consent_guardian_required");
    const tooLong = await h.send("consent.record", consentBody(h, "kid-1", { expiresAt: h.clock.now() + 200 * DAY, guardian: { guardianRef: "p-1", relation: "mother" } }));
    expect(tooLong.error?.code).toBe("consent_term_too_long");
    const ok = await h.send("consent.record", consentBody(h, "kid-1", { guardian: { guardianRef: "p-1", relation: "mother" } }));
    expect(ok.status).toBe("ok");
    expect(h.store.consents.get(ok.result!.consentId)).toMatchObject({ minor: true, guardian: { ref: "p-1", relationship: "mother" } });
  });
});

describe("consent.withdraw and subject.delete (L7)", () => {
  const devicePublicKey = (): Uint8Array => h.store.publicKeys.signingPublicKey;

  async function enrolledResident(personRef: string): Promise<string> {
    await addResident(h, personRef, personRef === "p-1" ? "A1B2C3D4" : "B1B2C3D4", personRef === "p-1" ? "482913" : "739104");
    const c = await h.send("consent.record", consentBody(h, personRef));
    h.store.vault.enroll({ subjectId: personRef, gateId: "gate-a", embeddings: [embedding(1), embedding(2)], actor: "test" });
    expect(h.sink.templates.get(personRef)?.size).toBe(2);
    return c.result!.consentId;
  }

  it("consent.withdraw ends the consent, deletes every template and answers a receipt that verifies", async () => {
    const consentId = await enrolledResident("p-1");
    const r = await h.send("consent.withdraw", { subjectRef: "p-1", consentId, reason: "moved to face-free entry" });
    expect(r.status).toBe("ok");
    const receipt = r.result!.receipt!;
    expect(await verifyReceipt(receipt, devicePublicKey())).toEqual({ ok: true });
    expect(receipt).toMatchObject({ subjectRef: "p-1", trigger: "consent_withdrawn", requestedBy: h.operator.keyId, deleted: { templates: 2, dataKeys: 1, consentsEnded: 1 } });
    expect(r.result!.withdrawnAt).toBe(receipt["at"]);
    expect(h.store.consents.status(h.store.consents.get(consentId))).toBe("withdrawn");
    expect(h.store.vault.counts("p-1")).toEqual({ templates: 0, dataKey: false, quarantined: false });
    expect(h.sink.templates.has("p-1")).toBe(false);
    // Card and PIN keep working: declining face costs nothing (L2).
    expect(h.access.lookupCard("A1B2C3D4")?.person.personRef).toBe("p-1");
    // A tampered receipt does not verify.
    expect((await verifyReceipt({ ...receipt, subjectRef: "p-2" }, devicePublicKey())).ok).toBe(false);
  });

  it("consent.withdraw refuses a consent id of another subject and deletes nothing", async () => {
    await enrolledResident("p-1");
    const other = await enrolledResident("p-2");
    const r = await h.send("consent.withdraw", { subjectRef: "p-1", consentId: other });
    expect(r.error?.code).toBe("not_found");
    expect(h.store.vault.counts("p-1").templates).toBe(2);
    expect(h.store.vault.counts("p-2").templates).toBe(2);
  });

  it("subject.delete destroys the face data, answers a verifiable receipt, and audits the reason", async () => {
    await enrolledResident("p-1");
    const r = await h.send("subject.delete", { subjectRef: "p-1", reason: "court_order", reference: "case-2026-17" });
    expect(r.status).toBe("ok");
    expect(r.result!.subjectRef).toBe("p-1");
    expect(await verifyReceipt(r.result!.receipt, devicePublicKey())).toEqual({ ok: true });
    expect(r.result!.receipt).toMatchObject({ trigger: "deletion_request", deleted: { templates: 2, dataKeys: 1, consentsEnded: 1 } });
    expect(h.store.vault.subjectsWithData()).toEqual([]);
    expect(h.sink.count()).toBe(0);
    const details = h.store.audit.entries().find((e) => e.type === "deletion.request_details")!;
    expect(details).toMatchObject({ actor: h.operator.keyId, subject: "p-1", details: { reason: "court_order", reference: "case-2026-17", receiptId: r.result!.receipt["receiptId"] } });
    // The deletion itself is in the signed log where the receipt says.
    const seq = (r.result!.receipt["audit"] as { seq: number }).seq;
    expect(h.store.audit.entries({ fromSeq: seq, limit: 1 })[0]).toMatchObject({ type: "deletion.completed", actor: h.operator.keyId, subject: "p-1" });
  });

  it("re-sending the identical subject.delete returns the stored result, not a second deletion", async () => {
    await enrolledResident("p-1");
    const request = Buffer.from(JSON.stringify(await rebuild("del-1")), "utf8");
    const a = await h.processor.process(request);
    expect(a.status).toBe("ok");
    const receipts = h.store.deletion.receipts("p-1").length;
    const again = await h.processor.process(request);
    expect(again).toEqual(a);
    expect(h.store.deletion.receipts("p-1")).toHaveLength(receipts);
    // Built again, the command seals its body anew: other signed content under the same id is a replay, not a re-send.
    expect((await h.processor.process(Buffer.from(JSON.stringify(await rebuild("del-1")), "utf8"))).error?.code).toBe("command_replayed");
    expect(h.store.deletion.receipts("p-1")).toHaveLength(receipts);

    async function rebuild(id: string) {
      const { buildCommand } = await import("../../../../sdk/operator/command-builder.js");
      return buildCommand({ site: "site-1", gate: "gate-a", type: "subject.delete", body: { subjectRef: "p-1", reason: "resident_request" }, key: { keyId: h.operator.keyId, secretKey: h.operator.secretKey }, sealTo: h.store.publicKeys.boxPublicKey, clock: h.clock, id });
    }
  });
});
