/**
 * PIN checks at the keypad, with the lockout of sdk/policy/pin-lockout.ts: wrong PINs
 * count per keypad and per person, and each new lockout is reported as alarm.pin_lockout.
 * The PIN is compared by the access directory; it is never kept, logged or recorded here.
 */
import { type GatePolicy, modeAcceptsPinAlone } from "../policy/gate-policy.js";
import { EMPTY_LOCKOUT, type LockoutState, keypadLockKey, lockoutStatus, personLockKey, pruneLockout, registerPinFailure, registerPinSuccess } from "../policy/pin-lockout.js";
import type { CredentialMatch, CredentialRecord } from "../policy/rights.js";
import type { AccessDirectory } from "./ports.js";

/** What the PIN checks may use of the gate. */
export interface PinCheckerContext {
  readonly gateId: string;
  readonly access: Pick<AccessDirectory, "pinCredentialsOf" | "verifyPin">;
  record(type: string, data: Record<string, unknown>): void;
}

export class PinChecker {
  private readonly ctx: PinCheckerContext;
  private lockout: LockoutState = EMPTY_LOCKOUT;

  constructor(context: PinCheckerContext) {
    this.ctx = context;
  }

  /** Verifies a PIN for a known card holder against their PIN credentials, honouring and updating the lockout. */
  async checkHolderPin(holder: CredentialMatch, pin: string, at: number, policy: GatePolicy): Promise<{ pin: CredentialRecord | null; correct: boolean; locked: boolean }> {
    const keys = [keypadLockKey(this.ctx.gateId), personLockKey(holder.person.personRef)];
    if (lockoutStatus(this.lockout, keys, at).locked) return { pin: null, correct: false, locked: true };
    const pins = this.ctx.access.pinCredentialsOf(holder.person.personRef).filter((c) => !c.revoked);
    let found: CredentialRecord | null = null;
    for (const cred of pins) {
      if (await this.ctx.access.verifyPin(cred.id, pin)) {
        found = cred;
        break;
      }
    }
    this.countPin(keys, found !== null, holder.person.personRef, at, policy);
    return { pin: found ?? pins[0] ?? null, correct: found !== null, locked: false };
  }

  /**
   * Verifies a PIN entered alone, for the PIN credential its keypad user code names (`match`,
   * null: unknown code), honouring and updating the lockout. Where the gate's mode does not
   * accept a PIN alone it is neither verified nor counted.
   */
  async checkPinAlone(match: CredentialMatch | null, pin: string, at: number, policy: GatePolicy): Promise<{ correct: boolean; locked: boolean }> {
    const keys = match ? [keypadLockKey(this.ctx.gateId), personLockKey(match.person.personRef)] : [keypadLockKey(this.ctx.gateId)];
    const status = lockoutStatus(this.lockout, keys, at);
    let correct = false;
    if (!status.locked && modeAcceptsPinAlone(policy.mode)) {
      correct = match ? await this.ctx.access.verifyPin(match.credential.id, pin) : false;
      this.countPin(keys, correct, match?.person.personRef ?? null, at, policy);
    }
    return { correct, locked: status.locked };
  }

  /** Forgets failures and lockouts that have run out. */
  prune(at: number, policy: GatePolicy): void {
    this.lockout = pruneLockout(this.lockout, at, policy.lockout);
  }

  private countPin(keys: string[], correct: boolean, personRef: string | null, at: number, policy: GatePolicy): void {
    if (correct) {
      if (personRef) this.lockout = registerPinSuccess(this.lockout, personLockKey(personRef));
      return;
    }
    const result = registerPinFailure(this.lockout, keys, at, policy.lockout);
    this.lockout = result.state;
    for (const key of result.newlyLocked) {
      const scope = key.startsWith("keypad:") ? "keypad" : "person";
      this.ctx.record("alarm.pin_lockout", { scope, ...(scope === "person" ? { personRef } : {}), until: at + policy.lockout.lockoutMs });
    }
  }
}
