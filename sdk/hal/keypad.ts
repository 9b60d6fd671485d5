/**
 * Keypad contract: a 12-key pad (0-9, `*`, `#`).
 *
 * Obligations:
 * - Each key press while connected is reported once, in order, to every `onKey`
 *   listener, with the time from the gate's Clock. The keypad reports keys only; it
 *   never buffers or interprets them (the gate owns the PIN buffer and the menu
 *   protocol, see sdk/gate/keypad-protocol.ts).
 * - Key presses may be digits of a PIN: implementations never log them.
 * - While disconnected no keys are delivered.
 */
import type { HardwareDevice, Unsubscribe } from "./device.js";

export type KeypadKey = "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "*" | "#";

export const KEYPAD_KEYS: readonly KeypadKey[] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#"];

export function isKeypadKey(value: string): value is KeypadKey {
  return (KEYPAD_KEYS as readonly string[]).includes(value);
}

export interface KeyPress {
  key: KeypadKey;
  at: number;
}

export interface Keypad extends HardwareDevice {
  readonly kind: "keypad";
  onKey(listener: (press: KeyPress) => void): Unsubscribe;
}
