import { describe, expect, it } from "vitest";
import { ConsentError } from "../../../sdk/errors.js";
import { RecordingSink, consentInput, embedding, openFixture } from "../../support/secure-store-fixture.js";

describe("template vault", () => {
  it("L1 enrollment is refused without a consent valid now for this gate", async () => {
    const f = await openFixture();
    expect(() => f.store.vault.enroll({ subjectId: "s1", gateId: "gate-a", embeddings: [embedding(1)] })).toThrowError(ConsentError);
    f.store.consents.give(consentInput(f, "s1", { gateIds: ["gate-b"] }));
    expect(() => f.store.vault.enroll({ subjectId: "s1", gateId: "gate-a", embeddings: [embedding(1)] })).toThrowError(/consent/);
    expect(f.store.vault.counts("s1")).toEqual({ templates: 0, dataKey: false, quarantined: false });
    expect(f.sink.count()).toBe(0);
    f.store.consents.give(consentInput(f, "s1"));
    const r = f.store.vault.enroll({ subjectId: "s1", gateId: "gate-a", embeddings: [embedding(1), embedding(2)] });
    expect(r.templateIds).toHaveLength(2);
    expect(f.sink.count()).toBe(2);
    f.store.close();
  });

  it("L5 templates are stored encrypted and load back into the sink only", async () => {
    const f = await openFixture();
    f.store.consents.give(consentInput(f, "s1"));
    const e = embedding(3);
    f.store.vault.enroll({ subjectId: "s1", gateId: "gate-a", embeddings: [e] });
    const row = f.store.db.prepare("SELECT ciphertext FROM templates").get() as { ciphertext: Buffer };
    // The plaintext (normalised float32 bytes) never appears in the row.
    const norm = Math.hypot(...e);
    const first = Buffer.from(new Float32Array([e[0]! / norm, e[1]! / norm]).buffer);
    expect(row.ciphertext.includes(first)).toBe(false);
    expect(row.ciphertext.length).toBe(512 * 4 + 16);
    f.store.close();

    const again = await f.reopen();
    const sink = new RecordingSink();
    const progress: number[] = [];
    const summary = again.vault.loadInto(sink, { onProgress: (p) => progress.push(p.done) });
    expect(summary).toMatchObject({ subjects: 1, templates: 1, quarantined: [] });
    const loaded = [...sink.templates.get("s1")!.values()][0]!;
    expect(loaded[0]).toBeCloseTo(e[0]! / norm, 6);
    expect(progress.at(-1)).toBe(1);
    again.close();
  });

  it("L6 the vault exposes no method that returns a template or key", async () => {
    const f = await openFixture();
    const names = new Set<string>();
    for (let p = Object.getPrototypeOf(f.store.vault); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) Object.getOwnPropertyNames(p).forEach((n) => names.add(n));
    expect([...names].filter((n) => /get|read|export|template|key|decrypt/i.test(n) && n !== "constructor")).toEqual([]);
    f.store.consents.give(consentInput(f, "s1"));
    f.store.vault.enroll({ subjectId: "s1", gateId: "gate-a", embeddings: [embedding(4)] });
    const status = f.store.subjectStatus("s1");
    expect(status).toMatchObject({ templates: 1, dataKey: true, quarantined: false, consent: { status: "active" } });
    const text = JSON.stringify(f.store.listSubjects()) + JSON.stringify(f.events.events) + f.logs.text() + JSON.stringify(f.store.audit.export());
    expect(text).not.toMatch(/\d\.\d{6,}/); // no float vectors anywhere
    f.store.close();
  });

  it("L5 rejects malformed embeddings before touching the database", async () => {
    const f = await openFixture();
    f.store.consents.give(consentInput(f, "s1"));
    expect(() => f.store.vault.enroll({ subjectId: "s1", gateId: "gate-a", embeddings: [new Float32Array(10)] })).toThrowError(/512/);
    const nan = embedding(5);
    nan[7] = Number.NaN;
    expect(() => f.store.vault.enroll({ subjectId: "s1", gateId: "gate-a", embeddings: [nan] })).toThrowError(/non-finite/);
    expect(f.store.vault.counts("s1").dataKey).toBe(false);
    f.store.close();
  });
});
