import { describe, expect, it } from "vitest";
import { canonicalJson, validateBody } from "../../../sdk/protocol/index.js";

describe("canonical JSON", () => {
  it("sorts keys at every level, has no whitespace, and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1, { z: true, y: null }], c: "é\n" } })).toBe('{"a":{"c":"é\\n","d":[3,1,{"y":null,"z":true}]},"b":1}');
  });
  it("is independent of the key order it was given", () => {
    expect(canonicalJson(JSON.parse('{"x":1,"y":[1,2],"a":"b"}'))).toBe(canonicalJson({ a: "b", y: [1, 2], x: 1 }));
  });
  it("refuses what JSON cannot carry faithfully", () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/finite/);
    expect(() => canonicalJson({ a: new Uint8Array(2) })).toThrow(/base64/);
    expect(() => canonicalJson({ a: 1n })).toThrow();
  });
});

describe("command bodies", () => {
  it("refuses a person without a card or PIN: face is never the only way in (L2)", () => {
    expect(() => validateBody("person.upsert", { personRef: "p-1" })).toThrow(/L2/);
    expect(validateBody("person.upsert", { personRef: "p-1", cards: ["04A1B2C3"] })).toEqual({ personRef: "p-1", cards: ["04A1B2C3"] });
  });
  it("names the field and never echoes the value", () => {
    try {
      validateBody("person.upsert", { personRef: "p-1", pin: "12ab" });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toBe("body.pin: must be 4-12 digits");
    }
  });
  it("refuses unknown fields at any depth", () => {
    expect(() => validateBody("notice.publish", { version: "1", notice: { purpose: "p", method: "m", scope: "s", retention: "r", contact: "c", rights: "x", age: "no" } })).toThrow(
      "body.notice.age: unknown field",
    );
  });
  it("requires a finite consent term and evidence (L1, L9)", () => {
    const base = {
      subjectRef: "s-1",
      personRef: "p-1",
      noticeHash: "a".repeat(64),
      scope: { purpose: "entry" },
      method: "written",
      collectedBy: "staff-3",
      givenAt: Date.UTC(2026, 0, 1),
      expiresAt: Date.UTC(2027, 0, 1),
      evidence: { kind: "paper_form", sha256: "b".repeat(64) },
    };
    expect(validateBody("consent.record", base)).toMatchObject({ subjectRef: "s-1" });
    expect(() => validateBody("consent.record", { ...base, expiresAt: base.givenAt })).toThrow(/L9/);
    expect(() => validateBody("consent.record", { ...base, evidence: undefined })).toThrow("body.evidence: is required");
  });
  it("takes an enrollment photo only as a sealed base64 box", () => {
    expect(() => validateBody("enroll.photo", { subjectRef: "s-1", sealedPhoto: "not base64!" })).toThrow(/base64/);
    expect(() => validateBody("enroll.photo", { subjectRef: "s-1", sealedPhoto: Buffer.alloc(10).toString("base64") })).toThrow(/too short/);
    expect(validateBody("enroll.photo", { subjectRef: "s-1", sealedPhoto: Buffer.alloc(200, 1).toString("base64") })).toMatchObject({ subjectRef: "s-1" });
  });
  it("bounds audit export chunks", () => {
    expect(() => validateBody("audit.export", { offset: 0, limit: 501 })).toThrow(/between 1 and 500/);
  });
});
