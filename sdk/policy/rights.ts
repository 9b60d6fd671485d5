/**
 * People's access rights and credentials as the decision engine sees them (no secrets:
 * credentials are records, the card hash and PIN hash stay in sdk/access), and the L2
 * rule over them: every person with access rights holds a card or PIN path that works
 * at every gate they may use, for the whole period of their rights.
 */
import { FaceOnlyError } from "../errors.js";
import { type CredentialKind, type GatePolicy, nonBiometricPaths } from "./gate-policy.js";
import type { WeeklySchedule } from "./schedule.js";

export interface AccessRights {
  /** Gates this person may use (opaque gate ids). Empty: no access rights. */
  gates: readonly string[];
  /** Milliseconds since the epoch; null: unbounded. */
  validFrom: number | null;
  validUntil: number | null;
  /** null: at any time. */
  schedule: WeeklySchedule | null;
}

export interface PersonAccess {
  /** Opaque reference (never a name). */
  personRef: string;
  rights: AccessRights;
}

export interface CredentialRecord {
  id: string;
  personRef: string;
  kind: CredentialKind;
  /** Gates it works at; null: every gate of the person's rights. */
  gates: readonly string[] | null;
  validFrom: number | null;
  validUntil: number | null;
  revoked: boolean;
}

/** A presented credential, found: the record and the person it belongs to. */
export interface CredentialMatch {
  credential: CredentialRecord;
  person: PersonAccess;
}

export interface FaceOnlyProblem {

  gateId: string;
  problem: string;
}

function covers(cred: CredentialRecord, rights: AccessRights): boolean {
  const fromOk = cred.validFrom === null || (rights.validFrom !== null && cred.validFrom <= rights.validFrom);
  const untilOk = cred.validUntil === null || (rights.validUntil !== null && cred.validUntil >= rights.validUntil);
  return fromOk && untilOk;
}

/** Credentials that count towards L2 at a gate: not revoked, valid there, and valid for the whole rights period. */
export function credentialServesGate(cred: CredentialRecord, rights: AccessRights, gateId: string): boolean {
  return !cred.revoked && (cred.gates === null || cred.gates.includes(gateId)) && covers(cred, rights);
}

/**
 * Gates at which a person would have face as the only way in (or no way in at all) given
 * these credentials and policies. Unknown gates are reported too.
 */
export function faceOnlyGates(person: PersonAccess, credentials: readonly CredentialRecord[], policies: ReadonlyMap<string, GatePolicy>): FaceOnlyProblem[] {
  const problems: FaceOnlyProblem[] = [];
  for (const gateId of person.rights.gates) {
    const policy = policies.get(gateId);
    if (!policy) {
      problems.push({ gateId, problem: `unknown gate "${gateId}"` });
      continue;
    }
    const kinds = new Set(credentials.filter((c) => c.personRef === person.personRef && credentialServesGate(c, person.rights, gateId)).map((c) => c.kind));
    const paths = nonBiometricPaths(policy.mode);
    if (!paths.some((path) => path.every((k) => kinds.has(k)))) {
      const need = paths.map((p) => p.join(" and ")).join(" or ");
      problems.push({ gateId, problem: `no ${need} usable at gate "${gateId}" (mode ${policy.mode}) for the whole rights period` });
    }
  }
  return problems;
}

/** Throws a ConfigError naming the person and gate when face would be their only way in (L2). */
export function assertNotFaceOnly(
  person: PersonAccess,
  credentials: readonly CredentialRecord[],
  policies: ReadonlyMap<string, GatePolicy>,
  path = `people.${person.personRef}`,
): void {
  const problems = faceOnlyGates(person, credentials, policies);
  if (problems.length === 0) return;
  const first = problems[0]!;
  throw new FaceOnlyError(
    `${path}: ${first.problem}; every person with access rights needs a card or PIN at every gate they may use, face is never the only way in (L2)`,
    { path, personRef: person.personRef, gates: problems.map((p) => p.gateId) },
  );
}
