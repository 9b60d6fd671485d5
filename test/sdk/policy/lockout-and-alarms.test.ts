import { describe, expect, it } from "vitest";
import { INITIAL_DOOR_STATE, type DoorInput, doorStep } from "../../../sdk/policy/door-alarms.js";
import { EMPTY_LOCKOUT, type LockoutPolicy, keypadLockKey, lockoutStatus, personLockKey, pruneLockout, registerPinFailure, registerPinSuccess } from "../../../sdk/policy/pin-lockout.js";

const policy: LockoutPolicy = { maxFailures: 3, keypadMaxFailures: 5, windowMs: 60_000, lockoutMs: 120_000 };
const keys = [keypadLockKey("lobby"), personLockKey("p-1")];

describe("PIN lockout (pure)", () => {
  it("locks a person after maxFailures within the window, for lockoutMs", () => {
    let s = EMPTY_LOCKOUT;
    for (let i = 0; i < 2; i++) s = registerPinFailure(s, keys, 1000 + i, policy).state;
    expect(lockoutStatus(s, keys, 1002).locked).toBe(false);
    const r = registerPinFailure(s, keys, 1002, policy);
    expect(r.newlyLocked).toEqual([personLockKey("p-1")]);
    expect(lockoutStatus(r.state, keys, 1003)).toEqual({ locked: true, until: 121_002 });
    expect(lockoutStatus(r.state, [personLockKey("p-2")], 1003).locked).toBe(false);
    expect(lockoutStatus(r.state, keys, 121_002).locked).toBe(false);
  });

  it("forgets failures outside the window, and a correct PIN resets the person", () => {
    let s = registerPinFailure(EMPTY_LOCKOUT, keys, 0, policy).state;
    s = registerPinFailure(s, keys, 1, policy).state;
    s = registerPinFailure(s, keys, 70_000, policy).state;
    expect(lockoutStatus(s, keys, 70_001).locked).toBe(false);
    s = registerPinSuccess(s, personLockKey("p-1"));
    s = registerPinFailure(s, keys, 70_002, policy).state;
    s = registerPinFailure(s, keys, 70_003, policy).state;
    expect(lockoutStatus(s, keys, 70_004).locked).toBe(false);
    expect(Object.keys(pruneLockout(s, 1_000_000, policy))).toEqual([]);
  });

  it("locks the keypad after keypadMaxFailures across people (guessing codes)", () => {
    let s = EMPTY_LOCKOUT;
    let locked: string[] = [];
    for (let i = 0; i < 5; i++) locked = (({ state, newlyLocked }) => ((s = state), newlyLocked))(registerPinFailure(s, [keypadLockKey("lobby"), personLockKey(`p-${i}`)], i, policy));
    expect(locked).toEqual([keypadLockKey("lobby")]);
    expect(lockoutStatus(s, [keypadLockKey("lobby"), personLockKey("p-9")], 10).locked).toBe(true);
  });
});

describe("door alarms (pure)", () => {
  const run = (inputs: DoorInput[]) => {
    let s = { ...INITIAL_DOOR_STATE, door: "closed" as const };
    const alarms: string[] = [];
    for (const i of inputs) {
      const r = doorStep(s, i, { heldOpenMs: 30_000 });
      s = r.state as typeof s;
      alarms.push(...r.alarms.map((a) => a.type));
    }
    return alarms;
  };

  it("no alarm when the door opens during an unlock and closes in time", () => {
    expect(run([{ type: "unlocked", at: 0, durationMs: 5000 }, { type: "opened", at: 1000 }, { type: "tick", at: 20_000 }, { type: "closed", at: 25_000 }])).toEqual([]);
  });

  it("forced: opened without an unlock, or after it ended; cleared on close", () => {
    expect(run([{ type: "opened", at: 1000 }, { type: "closed", at: 2000 }])).toEqual(["door_forced", "door_alarm_cleared"]);
    expect(run([{ type: "unlocked", at: 0, durationMs: 5000 }, { type: "opened", at: 5001 }])).toEqual(["door_forced"]);
  });

  it("held open: once, after heldOpenMs", () => {
    expect(run([{ type: "unlocked", at: 0, durationMs: 5000 }, { type: "opened", at: 1000 }, { type: "tick", at: 31_000 }, { type: "tick", at: 31_001 }, { type: "tick", at: 60_000 }, { type: "closed", at: 70_000 }])).toEqual([
      "door_held_open",
      "door_alarm_cleared",
    ]);
  });
});
