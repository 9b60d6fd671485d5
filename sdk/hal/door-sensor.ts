/**
 * Door position sensor (reed contact) contract.
 *
 * Obligations:
 * - `state` is the current position, "open" or "closed".
 * - Every change is reported once to every `onChange` listener, with the time from
 *   the gate's Clock; a repeated reading of the same position is not a change.
 * - While disconnected, `state` keeps the last known position and no changes are
 *   reported (the gate treats a disconnected sensor as "unknown": no door alarms).
 * - When it comes back, the position is read again: a door that moved meanwhile is
 *   reported once, as one change to where it is now (or the gate would keep a door it
 *   believes open, and raise a held-open alarm for a closed door).
 */
import type { HardwareDevice, Unsubscribe } from "./device.js";

export type DoorState = "open" | "closed";

export interface DoorChange {
  state: DoorState;
  at: number;
}

export interface DoorSensor extends HardwareDevice {
  readonly kind: "door_sensor";
  readonly state: DoorState;
  onChange(listener: (change: DoorChange) => void): Unsubscribe;
}
