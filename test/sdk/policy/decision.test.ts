import { describe, expect, it } from "vitest";
import { type DecisionInput, type Evidence, type FaceEvidence, decide } from "../../../sdk/policy/decision.js";
import { type GateMode, type GatePolicy, parseGatePolicy } from "../../../sdk/policy/gate-policy.js";
import type { CredentialRecord, PersonAccess } from "../../../sdk/policy/rights.js";

const AT = Date.parse("2026-01-05T09:00:00+08:00"); // a Monday
const policy = (mode: GateMode): GatePolicy => parseGatePolicy({ gateId: "lobby", mode }, "gate");
const person: PersonAccess = { personRef: "p-1", rights: { gates: ["lobby"], validFrom: null, validUntil: null, schedule: null } };
const card: CredentialRecord = { id: "c-card", personRef: "p-1", kind: "card", gates: null, validFrom: null, validUntil: null, revoked: false };
const pin: CredentialRecord = { ...card, id: "c-pin", kind: "pin" };
const liveMatch: FaceEvidence = { liveness: 0.9, qualityOk: true, matchScore: 0.7, consentValid: true };
const thresholds = { match: 0.43, liveness: 0.5 };

function run(mode: GateMode, evidence: Evidence, over: Partial<DecisionInput> = {}) {
  return decide({ at: AT, policy: policy(mode), evidence, person, lockout: { locked: false, until: null }, thresholds, ...over });
}

describe("decision engine (pure)", () => {
  it("grants each method only in the modes that accept it", () => {
    const cardEv: Evidence = { method: "card", card };
    const pinEv: Evidence = { method: "pin", pin, pinCorrect: true };
    const faceEv: Evidence = { method: "face", face: liveMatch };
    const cardPin: Evidence = { method: "card_and_pin", card, pin, pinCorrect: true };
    const cardFace: Evidence = { method: "card_then_face", card, face: liveMatch };
    const table: Array<[GateMode, Evidence[], Evidence[]]> = [
      ["face_or_card_or_pin", [cardEv, pinEv, faceEv], [cardPin, cardFace]],
      ["face_or_card", [cardEv, faceEv], [pinEv]],
      ["face_or_pin", [pinEv, faceEv], [cardEv]],
      ["card_or_pin", [cardEv, pinEv], [faceEv]],
      ["card", [cardEv], [pinEv, faceEv]],
      ["pin", [pinEv], [cardEv, faceEv]],
      ["card_and_pin", [cardPin], [cardEv, pinEv, faceEv, cardFace]],
      ["card_then_face", [cardFace, cardPin], [cardEv, faceEv, pinEv]],
    ];
    for (const [mode, ok, refused] of table) {
      for (const ev of ok) expect(run(mode, ev), `${mode} ${ev.method}`).toMatchObject({ granted: true, reason: "ok", method: ev.method, personRef: "p-1", unlockMs: 5000 });
      for (const ev of refused) expect(run(mode, ev), `${mode} ${ev.method}`).toMatchObject({ granted: false, reason: "method_not_allowed" });
    }
  });

  it("exit button always opens", () => {
    expect(run("card_and_pin", { method: "exit_button" }, { person: null })).toMatchObject({ granted: true, reason: "exit_request" });
  });

  it("liveness below threshold never opens, whatever the score (L5)", () => {
    const spoof = { ...liveMatch, liveness: 0.49, matchScore: 0.99 };
    expect(run("face_or_card_or_pin", { method: "face", face: spoof })).toMatchObject({ granted: false, reason: "liveness_failed" });
    expect(run("card_then_face", { method: "card_then_face", card, face: spoof })).toMatchObject({ granted: false, reason: "liveness_failed" });
    expect(run("face_or_card_or_pin", { method: "face", face: { ...liveMatch, liveness: Number.NaN } }).reason).toBe("liveness_failed");
  });

  it("face needs a match above threshold and a valid consent (L1)", () => {
    expect(run("face_or_card", { method: "face", face: { ...liveMatch, matchScore: 0.42 } }).reason).toBe("face_no_match");
    expect(run("face_or_card", { method: "face", face: { ...liveMatch, matchScore: null } }).reason).toBe("face_no_match");
    expect(run("face_or_card", { method: "face", face: { ...liveMatch, consentValid: false } }).reason).toBe("face_consent_invalid");
    expect(run("face_or_card", { method: "face", face: { ...liveMatch, qualityOk: false } }).reason).toBe("face_quality");
    expect(run("card_then_face", { method: "card_then_face", card, face: { ...liveMatch, matchScore: 0.1 } }).reason).toBe("face_mismatch");
  });

  it("reports unknown, wrong and locked credentials", () => {
    expect(run("card", { method: "card", card: null }, { person: null }).reason).toBe("unknown_card");
    expect(run("pin", { method: "pin", pin: null, pinCorrect: false }, { person: null }).reason).toBe("unknown_pin_code");
    expect(run("pin", { method: "pin", pin, pinCorrect: false }).reason).toBe("wrong_pin");
    expect(run("pin", { method: "pin", pin, pinCorrect: true }, { lockout: { locked: true, until: AT + 1 } }).reason).toBe("pin_locked_out");
    expect(run("card_and_pin", { method: "card_and_pin", card, pin: { ...pin, personRef: "p-2" }, pinCorrect: true }).reason).toBe("wrong_pin");
    // The lockout does not touch the card alone.
    expect(run("card_or_pin", { method: "card", card }, { lockout: { locked: true, until: AT + 1 } }).granted).toBe(true);
  });

  it("checks credential revocation, validity and gates", () => {
    expect(run("card", { method: "card", card: { ...card, revoked: true } }).reason).toBe("credential_revoked");
    expect(run("card", { method: "card", card: { ...card, validFrom: AT + 1 } }).reason).toBe("credential_not_yet_valid");
    expect(run("card", { method: "card", card: { ...card, validUntil: AT } }).reason).toBe("credential_expired");
    expect(run("card", { method: "card", card: { ...card, gates: ["garage"] } }).reason).toBe("credential_not_valid_at_gate");
  });

  it("checks rights: validity period, gates and weekly schedule", () => {
    const withRights = (rights: Partial<PersonAccess["rights"]>) => ({ person: { ...person, rights: { ...person.rights, ...rights } } });
    const ev: Evidence = { method: "card", card };
    expect(run("card", ev, withRights({ validFrom: AT + 1000 })).reason).toBe("rights_not_yet_valid");
    expect(run("card", ev, withRights({ validUntil: AT })).reason).toBe("rights_expired");
    expect(run("card", ev, withRights({ validUntil: AT + 1 })).granted).toBe(true);
    expect(run("card", ev, withRights({ gates: ["garage"] })).reason).toBe("gate_not_allowed");
    const weekdaysDaytime = { utcOffsetMinutes: 480, windows: [{ days: [1, 2, 3, 4, 5], from: "08:00", to: "18:00" }] };
    expect(run("card", ev, withRights({ schedule: weekdaysDaytime })).granted).toBe(true); // Monday 09:00 CST
    expect(run("card", ev, { ...withRights({ schedule: weekdaysDaytime }), at: Date.parse("2026-01-05T18:00:00+08:00") }).reason).toBe("outside_schedule");
    expect(run("card", ev, { ...withRights({ schedule: weekdaysDaytime }), at: Date.parse("2026-01-10T09:00:00+08:00") }).reason).toBe("outside_schedule"); // Saturday
    // 01:00 UTC on Monday is 09:00 in Beijing: the offset matters.
    expect(run("card", ev, { ...withRights({ schedule: weekdaysDaytime }), at: Date.parse("2026-01-05T01:00:00Z") }).granted).toBe(true);
    expect(run("face_or_card", { method: "face", face: liveMatch }, { person: null }).reason).toBe("unknown_person");
  });
});
