import { describe, expect, it } from "vitest";
import { IntegrityError } from "../../../sdk/errors.js";
import { type Fixture, RecordingSink, consentInput, embedding, openFixture } from "../../support/secure-store-fixture.js";

async function enrolled(subjects: string[]): Promise<Fixture> {
  const f = await openFixture();
  subjects.forEach((s, i) => {
    f.store.consents.give(consentInput(f, s));
    f.store.vault.enroll({ subjectId: s, gateId: "gate-a", embeddings: [embedding(i * 2), embedding(i * 2 + 1)] });
  });
  return f;
}

function expectQuarantined(f: Fixture, sink: RecordingSink, tampered: string[], intact: string[]): void {
  for (const s of tampered) {
    expect(sink.templates.has(s)).toBe(false);
    expect(f.store.vault.isQuarantined(s)).toBe(true);
    expect(f.events.events.some((e) => e.type === "integrity.quarantine" && e.data["subjectId"] === s)).toBe(true);
    expect(f.store.audit.entries().some((e) => e.type === "vault.quarantined" && e.subject === s)).toBe(true);
  }
  for (const s of intact) expect(sink.templates.get(s)?.size).toBe(2);
  expect(f.store.audit.verify().ok).toBe(true);
}

describe("vault tamper detection", () => {
  it("L5 a one-bit flip in a template ciphertext is detected; the subject is quarantined, the rest loads", async () => {
    const f = await enrolled(["s1", "s2"]);
    const row = f.store.db.prepare("SELECT id, ciphertext FROM templates WHERE subject_id = 's1' LIMIT 1").get() as { id: string; ciphertext: Buffer };
    row.ciphertext[100] = row.ciphertext[100]! ^ 0x01;
    f.store.db.prepare("UPDATE templates SET ciphertext = ? WHERE id = ?").run(row.ciphertext, row.id);
    const sink = new RecordingSink();
    const summary = f.store.vault.loadInto(sink);
    expect(summary.quarantined).toEqual(["s1"]);
    expect(summary.templates).toBe(2);
    expectQuarantined(f, sink, ["s1"], ["s2"]);
    f.store.close();
  });

  it("L5 a ciphertext swapped between two subjects fails to open for both", async () => {
    const f = await enrolled(["s1", "s2", "s3"]);
    const get = f.store.db.prepare("SELECT id, nonce, ciphertext FROM templates WHERE subject_id = ? LIMIT 1");
    const a = get.get("s1") as { id: string; nonce: Buffer; ciphertext: Buffer };
    const b = get.get("s2") as { id: string; nonce: Buffer; ciphertext: Buffer };
    const put = f.store.db.prepare("UPDATE templates SET nonce = ?, ciphertext = ? WHERE id = ?");
    put.run(b.nonce, b.ciphertext, a.id);
    put.run(a.nonce, a.ciphertext, b.id);
    const sink = new RecordingSink();
    expect(f.store.vault.loadInto(sink).quarantined).toEqual(["s1", "s2"]);
    expectQuarantined(f, sink, ["s1", "s2"], ["s3"]);
    f.store.close();
  });

  it("L5 a ciphertext moved to another record of the same subject fails to open", async () => {
    const f = await enrolled(["s1", "s2"]);
    const rows = f.store.db.prepare("SELECT id, nonce, ciphertext FROM templates WHERE subject_id = 's1'").all() as Array<{ id: string; nonce: Buffer; ciphertext: Buffer }>;
    f.store.db.prepare("UPDATE templates SET nonce = ?, ciphertext = ? WHERE id = ?").run(rows[0]!.nonce, rows[0]!.ciphertext, rows[1]!.id);
    const sink = new RecordingSink();
    expect(f.store.vault.loadInto(sink).quarantined).toEqual(["s1"]);
    expectQuarantined(f, sink, ["s1"], ["s2"]);
    f.store.close();
  });

  it("L5 a wrapped data key swapped between subjects is detected at load and at enrollment", async () => {
    const f = await enrolled(["s1", "s2", "s3"]);
    const get = f.store.db.prepare("SELECT wrapped_key, nonce FROM subject_keys WHERE subject_id = ?");
    const a = get.get("s1") as { wrapped_key: Buffer; nonce: Buffer };
    const b = get.get("s2") as { wrapped_key: Buffer; nonce: Buffer };
    const put = f.store.db.prepare("UPDATE subject_keys SET wrapped_key = ?, nonce = ? WHERE subject_id = ?");
    put.run(b.wrapped_key, b.nonce, "s1");
    put.run(a.wrapped_key, a.nonce, "s2");
    const sink = new RecordingSink();
    expect(f.store.vault.loadInto(sink).quarantined).toEqual(["s1", "s2"]);
    expectQuarantined(f, sink, ["s1", "s2"], ["s3"]);
    // A quarantined subject cannot be enrolled further until deleted.
    expect(() => f.store.vault.enroll({ subjectId: "s1", gateId: "gate-a", embeddings: [embedding(9)] })).toThrowError(IntegrityError);
    // The deletion path clears the quarantine, and a new consent allows a clean re-enrollment.
    f.store.deletion.requestDeletion({ subjectId: "s1", actor: "op-1" });
    f.store.consents.give(consentInput(f, "s1"));
    f.store.vault.enroll({ subjectId: "s1", gateId: "gate-a", embeddings: [embedding(9)] });
    expect(f.store.subjectStatus("s1")).toMatchObject({ templates: 1, quarantined: false });
    f.store.close();
  });

  it("L5 a flipped wrapped key found during enrollment quarantines the subject", async () => {
    const f = await enrolled(["s1"]);
    const row = f.store.db.prepare("SELECT wrapped_key FROM subject_keys WHERE subject_id = 's1'").get() as { wrapped_key: Buffer };
    row.wrapped_key[3] = row.wrapped_key[3]! ^ 0x80;
    f.store.db.prepare("UPDATE subject_keys SET wrapped_key = ? WHERE subject_id = 's1'").run(row.wrapped_key);
    expect(() => f.store.vault.enroll({ subjectId: "s1", gateId: "gate-a", embeddings: [embedding(8)] })).toThrowError(/wrapped data key/);
    expect(f.store.vault.isQuarantined("s1")).toBe(true);
    expect(f.sink.templates.has("s1")).toBe(false);
    expect(f.store.vault.counts("s1").templates).toBe(2);
    f.store.close();
  });
});
