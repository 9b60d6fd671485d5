/**
 * One access decision at a gate, from what the gate gathered: the decision engine
 * (sdk/policy/decision.ts, pure) with the gate's thresholds, plus how the gate reports two
 * cases. Pure.
 */
import { type Decision, type Evidence, type FaceThresholds, decide } from "../policy/decision.js";
import type { GatePolicy } from "../policy/gate-policy.js";
import type { PersonAccess } from "../policy/rights.js";

export interface GateDecisionRequest {
  policy: GatePolicy;
  evidence: Evidence;
  /** The person the evidence points to (card holder, PIN owner, face match); null: nobody. */
  person: PersonAccess | null;
  at: number;
  /** Reports the decision under this method instead of the evidence's: an unknown card at a two-factor gate fails that gate's method. */
  method?: Decision["method"];
  /** The PIN lockout holds for this keypad or person. */
  locked?: boolean;
  /** The person a face matched: reported by reference even when they are no longer in the access list. */
  faceRef?: string;
}

export function decideAtGate(request: GateDecisionRequest, thresholds: FaceThresholds): Decision {
  const { policy, evidence, person, at, method, locked = false, faceRef } = request;
  const decision = decide({
    at,
    policy,
    evidence: method === undefined ? evidence : ({ ...evidence, method } as Evidence),
    person,
    lockout: { locked, until: null },
    thresholds,
  });
  return faceRef && decision.personRef === null ? { ...decision, personRef: faceRef } : decision;
}
