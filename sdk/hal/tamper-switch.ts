/**
 * Tamper switch contract: the enclosure or reader was opened or pulled off the wall.
 *
 * Obligations:
 * - `tampered` is the current reading; while disconnected it keeps the last reading.
 * - Every change is reported once to every `onChange` listener, with the time from the
 *   gate's Clock; a repeated reading is not a change.
 * - While disconnected no changes are reported. A tamper switch that goes away may
 *   itself be tampering: consumers treat "disconnected" as suspect, not as quiet.
 *
 * The gate does not act on tamper by itself (it keeps deciding: a tampered reader
 * still carries the non-biometric way in, L2); the composition root decides what a
 * tamper means (an event to the operator, an alarm on the indicator).
 */
import type { HardwareDevice, Unsubscribe } from "./device.js";

export interface TamperChange {
  tampered: boolean;
  at: number;
}

export interface TamperSwitch extends HardwareDevice {
  readonly kind: "tamper_switch";
  readonly tampered: boolean;
  onChange(listener: (change: TamperChange) => void): Unsubscribe;
}
