/** A decision at the gate (sdk/gate/gate-decision.ts): the decision engine with the gate's thresholds and its two reporting rules. */
import { describe, expect, it } from "vitest";
import { type GateDecisionRequest, decideAtGate } from "../../../sdk/gate/gate-decision.js";
import { parseGatePolicy } from "../../../sdk/policy/gate-policy.js";
import type { CredentialRecord, PersonAccess } from "../../../sdk/policy/rights.js";

const T = Date.parse("2026-01-05T10:00:00+08:00");
const THRESHOLDS = { match: 0.43, liveness: 0.7 };
const PERSON: PersonAccess = { personRef: "p-1", rights: { gates: ["lobby"], validFrom: null, validUntil: null, schedule: null } };
const CARD: CredentialRecord = { id: "c-1", personRef: "p-1", kind: "card", gates: null, validFrom: null, validUntil: null, revoked: false };
const PIN: CredentialRecord = { ...CARD, id: "k-1", kind: "pin" };
const policy = (mode: string) => parseGatePolicy({ gateId: "lobby", mode }, "gate");
const face = (matchScore: number | null) => ({ liveness: 0.9, qualityOk: true, matchScore, consentValid: true });

describe("decisions at the gate", () => {
  it.each<[string, GateDecisionRequest, { granted: boolean; reason: string; method: string; personRef: string | null }]>([
    ["a live card opens", { policy: policy("card"), evidence: { method: "card", card: CARD }, person: PERSON, at: T }, { granted: true, reason: "ok", method: "card", personRef: "p-1" }],
    [
      "an unknown card at a two-factor gate fails under that gate's method",
      { policy: policy("card_and_pin"), evidence: { method: "card", card: null }, person: null, at: T, method: "card_and_pin" },
      { granted: false, reason: "unknown_card", method: "card_and_pin", personRef: null },
    ],
    [
      "a locked keypad refuses even the right PIN",
      { policy: policy("card_and_pin"), evidence: { method: "card_and_pin", card: CARD, pin: PIN, pinCorrect: true }, person: PERSON, at: T, locked: true },
      { granted: false, reason: "pin_locked_out", method: "card_and_pin", personRef: "p-1" },
    ],
    [
      "a face matched to someone no longer in the access list is reported by reference",
      { policy: policy("face_or_card"), evidence: { method: "face", face: face(0.8) }, person: null, at: T, faceRef: "p-gone" },
      { granted: false, reason: "unknown_person", method: "face", personRef: "p-gone" },
    ],
    [
      "a face matched to a person in the list is reported as that person",
      { policy: policy("face_or_card"), evidence: { method: "face", face: face(0.8) }, person: PERSON, at: T, faceRef: "p-1" },
      { granted: true, reason: "ok", method: "face", personRef: "p-1" },
    ],
    [
      "a face below the gate's match threshold is not recognised",
      { policy: policy("face_or_card"), evidence: { method: "face", face: face(0.42) }, person: PERSON, at: T },
      { granted: false, reason: "face_no_match", method: "face", personRef: "p-1" },
    ],
  ])("%s", (_name, request, expected) => {
    expect(decideAtGate(request, THRESHOLDS)).toMatchObject(expected);
  });
});
