/**
 * Door alarms, pure: a reducer over door events and the time.
 * - forced: the door opens while the relay is not unlocked (no grant, no exit request);
 * - held open: the door stays open longer than `heldOpenMs` (reported once per opening,
 *   detected on the next input or tick after the limit);
 * - cleared: the door closes after either alarm.
 */
export interface DoorAlarmPolicy {
  heldOpenMs: number;
}

export interface DoorMonitorState {
  door: "open" | "closed" | "unknown";
  openedAt: number | null;
  unlockedUntil: number;
  forced: boolean;
  held: boolean;
}

export type DoorInput =
  | { type: "unlocked"; at: number; durationMs: number }
  | { type: "opened"; at: number }
  | { type: "closed"; at: number }
  | { type: "tick"; at: number };

export type DoorAlarm =
  | { type: "door_forced"; at: number }
  | { type: "door_held_open"; at: number; openForMs: number }
  | { type: "door_alarm_cleared"; at: number; cleared: Array<"door_forced" | "door_held_open"> };

export const INITIAL_DOOR_STATE: DoorMonitorState = { door: "unknown", openedAt: null, unlockedUntil: 0, forced: false, held: false };

export function doorStep(state: DoorMonitorState, input: DoorInput, policy: DoorAlarmPolicy): { state: DoorMonitorState; alarms: DoorAlarm[] } {
  const alarms: DoorAlarm[] = [];
  let s = { ...state };
  switch (input.type) {
    case "unlocked":
      s.unlockedUntil = Math.max(s.unlockedUntil, input.at + input.durationMs);
      break;
    case "opened":
      if (s.door === "open") break;
      s = { ...s, door: "open", openedAt: input.at, held: false, forced: false };
      if (input.at > s.unlockedUntil) {
        s.forced = true;
        alarms.push({ type: "door_forced", at: input.at });
      }
      break;
    case "closed": {
      const cleared: Array<"door_forced" | "door_held_open"> = [];
      if (s.forced) cleared.push("door_forced");
      if (s.held) cleared.push("door_held_open");
      if (cleared.length > 0) alarms.push({ type: "door_alarm_cleared", at: input.at, cleared });
      s = { ...s, door: "closed", openedAt: null, forced: false, held: false };
      break;
    }
    case "tick":
      break;
  }
  if (s.door === "open" && s.openedAt !== null && !s.held && input.at - s.openedAt > policy.heldOpenMs) {
    s.held = true;
    alarms.push({ type: "door_held_open", at: input.at, openForMs: input.at - s.openedAt });
  }
  return { state: s, alarms };
}
