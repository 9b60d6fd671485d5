/**
 * `person.upsert` and `person.end_access`: a person's access rights and non-biometric
 * credentials in the access store (L2), and the end of their access, which deletes their
 * face data through the one deletion path (L7).
 *
 * person.upsert REPLACES the person's rights and credentials with the body's:
 *   1. the final set (cards and PIN kept or added) is checked against L2 first, with the
 *      gate policies in force, so a refusal changes nothing;
 *   2. rights are written and new credentials added (AccessStore.putPerson, one transaction);
 *   3. credentials not in the body are revoked (each step still leaves a superset of the
 *      final set, so L2 holds throughout).
 * Running it again converges to the same state, so a command re-issued after an
 * interruption is harmless. Cards and PINs are hashed by the access store; neither
 * reaches a result, a log, an error or the audit log.
 *
 * The contract carries a PIN without a keypad user code (the digits typed before `*`
 * that identify a PIN record). The device allocates one for each new PIN and answers it
 * as `keypadCode` (not a secret: the PIN proves it); an unchanged PIN keeps its code.
 */
import { createHash } from "node:crypto";
import { type PersonInput, parseRights } from "../../access/person-input.js";
import { ConfigError, NotFoundError } from "../../errors.js";
import type { Logger } from "../../log/logger.js";
import { type CredentialRecord, assertNotFaceOnly } from "../../policy/rights.js";
import type { CommandBodies, CommandResults } from "../../protocol/index.js";
import { CommandError } from "../../protocol/command-error.js";
import type { CommandContext } from "../processor.js";
import { type DeviceHandlerDeps, type HandlerRegistry, asFaceOnly, holdsPrivacyData, refuseFaceOnly } from "./deps.js";
import type { PersonFlags } from "./person-flags.js";

/** `at` this close to now counts as now (operator and device clocks differ a little). */
export const END_ACCESS_TOLERANCE_MS = 5 * 60_000;

export type PersonUpsertResult = CommandResults["person.upsert"];
export type PersonEndAccessResult = CommandResults["person.end_access"];

export function registerPersonHandlers(processor: HandlerRegistry, deps: DeviceHandlerDeps, flags: PersonFlags, log: Logger): void {
  processor.registerHandler("person.upsert", {
    handle: (body, ctx): Promise<PersonUpsertResult> => upsertPerson(deps, flags, log, body, ctx),
  });
  processor.registerHandler("person.end_access", {
    handle: (body, ctx): PersonEndAccessResult => endAccess(deps, flags, log, body, ctx),
  });
}

async function upsertPerson(deps: DeviceHandlerDeps, flags: PersonFlags, log: Logger, body: CommandBodies["person.upsert"], ctx: CommandContext): Promise<PersonUpsertResult> {
  const { access, store } = deps;
  const { personRef } = body;
  const rightsInput = {
    // Absent: every gate of the site this device knows a policy for.
    gates: body.gates ?? access.policies().map((p) => p.gateId),
    validFrom: body.validFrom ?? null,
    validUntil: body.validUntil ?? null,
    ...(body.schedule ? { schedule: { windows: body.schedule } } : {}),
  };
  if (rightsInput.gates.length === 0) throw new CommandError("policy_missing", "body.gates: this device has no gate policies yet; send policy.set first");
  const known = new Set(access.policies().map((p) => p.gateId));
  const unknown = rightsInput.gates.find((g) => !known.has(g));
  if (unknown !== undefined) throw new ConfigError(`body.gates: no policy for gate "${unknown}" on this device (send policy.set first)`, { path: "body.gates" });
  const rights = parseRights(rightsInput, "body");
  const live = access.credentialsOf(personRef).filter((c) => !c.revoked);

  const keptCards = new Set<string>();
  const newCards: string[] = [];
  for (const card of body.cards ?? []) {
    const match = access.lookupCard(card);
    if (match && !match.credential.revoked && match.person.personRef === personRef) keptCards.add(match.credential.id);
    else newCards.push(card);
  }
  let keptPin: CredentialRecord | undefined;
  if (body.pin !== undefined) {
    for (const c of live.filter((c) => c.kind === "pin")) {
      if (await access.verifyPin(c.id, body.pin)) {
        keptPin = c;
        break;
      }
    }
  }
  const newPin = body.pin !== undefined && !keptPin;
  const stale = live.filter((c) => (c.kind === "card" ? !keptCards.has(c.id) : c.id !== keptPin?.id));

  // 1. L2 over the final set, before anything changes.
  const scope = { gates: null, validFrom: null, validUntil: null, revoked: false } as const;
  const finalSet: CredentialRecord[] = [
    ...live.filter((c) => keptCards.has(c.id) || c.id === keptPin?.id),
    ...newCards.map((_, i) => ({ id: `new-card-${i}`, personRef, kind: "card" as const, ...scope })),
    ...(newPin ? [{ id: "new-pin", personRef, kind: "pin" as const, ...scope }] : []),
  ];
  const policies = new Map(access.policies().map((p) => [p.gateId, p]));
  try {
    assertNotFaceOnly({ personRef, rights }, finalSet, policies, "body");
  } catch (err) {
    throw asFaceOnly(err);
  }

  // 2. Rights and new credentials, atomically.
  const keypadCode = newPin ? freeKeypadCode(deps, personRef) : undefined;
  const input: PersonInput = {
    personRef,
    rights: rightsInput,
    cards: newCards.map((cardNumber) => ({ cardNumber })),
    pins: newPin && keypadCode !== undefined ? [{ code: keypadCode, pin: body.pin! }] : [],
  };
  await refuseFaceOnly(() => access.putPerson(input, "body"));

  // 3. Whatever the body no longer names.
  await refuseFaceOnly(() =>
    store.db.transaction(() => {
      for (const c of stale) access.revokeCredential(c.id);
    })(),
  );
  const minor = flags.setMinor(personRef, body.minor, ctx.now);

  const after = access.credentialsOf(personRef).filter((c) => !c.revoked);
  const cardCount = after.filter((c) => c.kind === "card").length;
  const hasPin = after.some((c) => c.kind === "pin");
  store.audit.append({
    type: "access.person_set",
    actor: ctx.keyId,
    subject: personRef,
    details: {
      commandId: ctx.commandId,
      gates: rights.gates,
      validFrom: rights.validFrom,
      validUntil: rights.validUntil,
      scheduled: rights.schedule !== null,
      minor,
      credentials: { cardsAdded: newCards.length, pinAdded: newPin, revoked: stale.length, cardCount, hasPin },
    },
  });
  log.info("person set", { personRef, credentialCount: after.length });
  return { personRef, credentials: { cardCount, hasPin }, ...(keypadCode !== undefined ? { keypadCode } : {}) };
}

function endAccess(deps: DeviceHandlerDeps, flags: PersonFlags, log: Logger, body: CommandBodies["person.end_access"], ctx: CommandContext): PersonEndAccessResult {
  const { access, store } = deps;
  const { personRef } = body;
  if (body.at !== undefined && body.at > ctx.now + END_ACCESS_TOLERANCE_MS) {
    // Ending later would need the face data deleted later too (L7); nothing schedules that yet.
    throw new CommandError("end_access_scheduled_unsupported", "body.at: this device ends access now only; send the command when access is to end");
  }
  const person = access.person(personRef);
  const privacyData = holdsPrivacyData(store, personRef);
  if (!person && !privacyData) throw new NotFoundError(`body.personRef: no such person on this device`, { personRef });
  // Face data first: the legally pressing part (L7). Re-running finishes what is left.
  const receipt = privacyData ? store.deletion.accessEnded({ subjectId: personRef, actor: ctx.keyId }) : undefined;
  if (person) access.removePerson(personRef);
  flags.forget(personRef);
  store.audit.append({
    type: "access.person_ended",
    actor: ctx.keyId,
    subject: personRef,
    details: { commandId: ctx.commandId, personRemoved: person !== null, ...(receipt ? { receiptId: receipt.receiptId } : {}) },
  });
  log.info("access ended", { personRef, receiptId: receipt?.receiptId ?? null });
  return { personRef, endedAt: ctx.now, ...(receipt ? { receipt } : {}) };
}

/**
 * A keypad user code free among live PINs: six digits derived from the person reference
 * (stable for a person), the next derivation when taken.
 */
function freeKeypadCode(deps: DeviceHandlerDeps, personRef: string): string {
  for (let i = 0; i < 1000; i++) {
    const h = createHash("sha256").update(`facegate-keypad-code/1\0${personRef}\0${i}`).digest();
    const code = String(h.readUInt32BE(0) % 1_000_000).padStart(6, "0");
    const taken = deps.access.lookupPinCode(code);
    if (!taken || taken.credential.revoked) return code;
  }
  throw new CommandError("keypad_codes_exhausted", "no free keypad user code was found for this person");
}
