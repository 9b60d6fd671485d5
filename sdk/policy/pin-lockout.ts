/**
 * PIN lockout, pure: failures are counted per key (`person:<ref>` and `keypad:<gateId>`)
 * within a sliding window; reaching the limit locks that key for `lockoutMs`. The state
 * is a value; the gate keeps the current one and passes it to the decision engine.
 */
export interface LockoutPolicy {
  /** Wrong PINs for one person within the window before that person's PIN is locked. */
  maxFailures: number;
  /** Wrong or unknown PINs at one keypad within the window before the keypad is locked. */
  keypadMaxFailures: number;
  windowMs: number;
  lockoutMs: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = { maxFailures: 5, keypadMaxFailures: 10, windowMs: 5 * 60_000, lockoutMs: 5 * 60_000 };

export interface LockoutEntry {
  failures: readonly number[];
  lockedUntil: number | null;
}

export type LockoutState = Readonly<Record<string, LockoutEntry>>;

export interface LockoutStatus {
  locked: boolean;
  until: number | null;
}

export const EMPTY_LOCKOUT: LockoutState = Object.freeze({});

export function personLockKey(personRef: string): string {
  return `person:${personRef}`;
}

export function keypadLockKey(gateId: string): string {
  return `keypad:${gateId}`;
}

export function lockoutStatus(state: LockoutState, keys: readonly string[], now: number): LockoutStatus {
  let until: number | null = null;
  for (const key of keys) {
    const lockedUntil = state[key]?.lockedUntil ?? null;
    if (lockedUntil !== null && lockedUntil > now) until = Math.max(until ?? 0, lockedUntil);
  }
  return { locked: until !== null, until };
}

function limitFor(key: string, policy: LockoutPolicy): number {
  return key.startsWith("keypad:") ? policy.keypadMaxFailures : policy.maxFailures;
}

/** Counts one failure against each key; returns the new state and the keys that just became locked. */
export function registerPinFailure(
  state: LockoutState,
  keys: readonly string[],
  now: number,
  policy: LockoutPolicy,
): { state: LockoutState; newlyLocked: string[] } {
  const next: Record<string, LockoutEntry> = { ...state };
  const newlyLocked: string[] = [];
  for (const key of keys) {
    const prev = state[key];
    const stillLocked = prev?.lockedUntil !== null && prev?.lockedUntil !== undefined && prev.lockedUntil > now;
    const failures = [...(prev?.failures ?? []).filter((t) => now - t < policy.windowMs), now];
    if (!stillLocked && failures.length >= limitFor(key, policy)) {
      next[key] = { failures: [], lockedUntil: now + policy.lockoutMs };
      newlyLocked.push(key);
    } else {
      next[key] = { failures, lockedUntil: stillLocked ? prev!.lockedUntil : null };
    }
  }
  return { state: next, newlyLocked };
}

/** A correct PIN clears the person's failure count (not the keypad's, so guessing across people stays bounded). */
export function registerPinSuccess(state: LockoutState, personKey: string): LockoutState {
  if (!state[personKey]) return state;
  const next: Record<string, LockoutEntry> = { ...state };
  delete next[personKey];
  return next;
}

/** Drops entries with no failures in the window and no running lockout (keeps the state small). */
export function pruneLockout(state: LockoutState, now: number, policy: LockoutPolicy): LockoutState {
  const next: Record<string, LockoutEntry> = {};
  for (const [key, entry] of Object.entries(state)) {
    const failures = entry.failures.filter((t) => now - t < policy.windowMs);
    const lockedUntil = entry.lockedUntil !== null && entry.lockedUntil > now ? entry.lockedUntil : null;
    if (failures.length > 0 || lockedUntil !== null) next[key] = { failures, lockedUntil };
  }
  return next;
}
