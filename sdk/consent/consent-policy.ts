/**
 * Pure checks on a consent before it is recorded (L1, L9, L10). No I/O: the registry
 * passes the policy and the time in.
 */
import { ConfigError, ConsentError, type ConsentErrorCode } from "../errors.js";


export const DAY_MS = 86_400_000;
/** Under this age a guardian must consent (L10; PIPL Art. 31). */
export const MINOR_AGE = 14;
/** Face data is processed for entry verification only (L4). */
export const FACE_PURPOSE = "entry_verification";

export interface ConsentPolicy {
  siteId: string;
  processorId: string;
  /** Gates of this site; when given, a consent may name only these. */
  gateIds?: readonly string[];
  /** Longest term an adult consent may have (L9). */
  maxConsentDays: number;
  /** Longest term a guardian consent for a minor may have; stricter by default (L10). */
  maxMinorConsentDays?: number;
}

export interface Guardian {
  /** Opaque reference to the guardian (e.g. resident id). */
  ref: string;
  name: string;
  relationship: string;
}

export interface ConsentInput {
  subjectId: string;
  siteId: string;
  processorId: string;
  gateIds: readonly string[];
  purpose: typeof FACE_PURPOSE;
  noticeHash: string;
  /** The collector attests this consent was given on its own, not bundled with other terms (L1). */
  separate: true;
  method: "written" | "electronic";
  /** e.g. `sha256:<hex>` of the signed form or of the electronic record. */
  evidenceRef: string;
  /** Who collected it (operator or staff reference, or `gate:<id>` at the gate, L11). */
  collectedBy: string;
  /** Defaults to now; never in the future. */
  givenAt?: number;
  /** Required and finite: unlimited consent is refused (L9). */
  expiresAt: number;
  /** `YYYY-MM-DD`; used only to decide whether the subject is a minor, not stored. */
  birthDate?: string;
  minor?: boolean;
  guardian?: Guardian;
  /** Refused when true (L9). */
  irrevocable?: boolean;
}

export function resolvePolicy(policy: ConsentPolicy): Required<ConsentPolicy> {
  const days = (v: unknown, path: string): number => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 3650) throw new ConfigError(`${path}: must be an integer from 1 to 3650 (unlimited consent is not allowed, L9)`);
    return v;
  };
  if (!policy.siteId) throw new ConfigError("siteId: required");
  if (!policy.processorId) throw new ConfigError("processorId: required");
  const max = days(policy.maxConsentDays, "maxConsentDays");
  const minor = days(policy.maxMinorConsentDays ?? Math.min(max, 365), "maxMinorConsentDays");
  if (minor > max) throw new ConfigError("maxMinorConsentDays: must not exceed maxConsentDays (minors get stricter terms, L10)");
  return { siteId: policy.siteId, processorId: policy.processorId, gateIds: policy.gateIds ?? [], maxConsentDays: max, maxMinorConsentDays: minor };
}

/** Age in whole years on `at` for a `YYYY-MM-DD` birth date (UTC). */
export function ageOn(birthDate: string, at: number): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDate);
  const born = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(born) || new Date(born).getUTCDate() !== Number(m[3])) throw new ConsentError("consent_invalid", "birthDate: must be a valid YYYY-MM-DD date");
  if (born > at) throw new ConsentError("consent_invalid", "birthDate: is in the future");
  const d = new Date(at);
  let age = d.getUTCFullYear() - Number(m[1]);
  if (d.getUTCMonth() + 1 < Number(m[2]) || (d.getUTCMonth() + 1 === Number(m[2]) && d.getUTCDate() < Number(m[3]))) age--;
  return age;
}

export interface CheckedConsent {
  givenAt: number;
  minor: boolean;
}

/** Throws ConsentError with a `field: problem` message for the first rule broken. */
export function checkConsent(input: ConsentInput, policy: Required<ConsentPolicy>, now: number): CheckedConsent {
  const fail = (code: ConsentErrorCode, message: string): never => {

    throw new ConsentError(code, message, { subjectId: input.subjectId });
  };
  const text = (v: unknown, field: string): void => {
    if (typeof v !== "string" || v.trim() === "" || v.length > 200) fail("consent_invalid", `${field}: must be a non-empty string`);
  };
  text(input.subjectId, "subjectId");
  if (input.separate !== true) fail("consent_bundled", "separate: face consent must be given on its own, not bundled with other terms (L1)");
  if (input.purpose !== FACE_PURPOSE) fail("consent_purpose", `purpose: face data may be processed for ${FACE_PURPOSE} only (L4)`);
  if (input.siteId !== policy.siteId) fail("consent_wrong_site", `siteId: consent is for site ${String(input.siteId)}, this device serves ${policy.siteId} (L9)`);
  if (input.processorId !== policy.processorId) fail("consent_wrong_processor", `processorId: consent names processor ${String(input.processorId)}, not ${policy.processorId} (L9)`);
  if (!Array.isArray(input.gateIds) || input.gateIds.length === 0) fail("consent_invalid", "gateIds: must name at least one gate");
  for (const g of input.gateIds) {
    text(g, "gateIds[]");
    if (policy.gateIds.length > 0 && !policy.gateIds.includes(g)) fail("consent_wrong_gate", `gateIds: ${g} is not a gate of site ${policy.siteId}`);
  }
  if (input.method !== "written" && input.method !== "electronic") fail("consent_invalid", "method: must be 'written' or 'electronic'");
  text(input.evidenceRef, "evidenceRef");
  text(input.collectedBy, "collectedBy");
  text(input.noticeHash, "noticeHash");
  if (input.irrevocable) fail("consent_irrevocable", "irrevocable: consent can always be withdrawn; irrevocable consent is refused (L9)");
  const givenAt = input.givenAt ?? now;
  if (!Number.isFinite(givenAt) || givenAt > now) fail("consent_invalid", "givenAt: must be a time not in the future");
  if (typeof input.expiresAt !== "number" || !Number.isFinite(input.expiresAt)) fail("consent_unlimited", "expiresAt: every consent needs a finite expiry (L9)");
  if (input.expiresAt <= givenAt) fail("consent_invalid", "expiresAt: must be after givenAt");
  if (input.expiresAt <= now) fail("consent_expired", "expiresAt: is already past");
  const minor = input.minor === true || (input.birthDate !== undefined && ageOn(input.birthDate, givenAt) < MINOR_AGE);
  const maxDays = minor ? policy.maxMinorConsentDays : policy.maxConsentDays;
  if (input.expiresAt - givenAt > maxDays * DAY_MS) {
    fail("consent_term_too_long", `expiresAt: term exceeds the ${maxDays}-day maximum${minor ? " for minors (L10)" : " (L9)"}`);
  }
  if (minor) {
    const g = input.guardian;
    if (!g) fail("consent_guardian_required", "guardian: a subject under 14 needs a guardian's consent naming the guardian (L10)");
    text(g?.ref, "guardian.ref");
    text(g?.name, "guardian.name");
    text(g?.relationship, "guardian.relationship");
  }
  return { givenAt, minor };
}
