/**
 * Request-to-exit button contract (inside the door).
 *
 * Obligations:
 * - Each press while connected is reported once to every `onPress` listener, with the
 *   time from the gate's Clock.
 * - While disconnected no presses are delivered. (Fire codes usually require a
 *   mechanical override as well; that is wiring, not software.)
 */
import type { HardwareDevice, Unsubscribe } from "./device.js";

export interface ExitPress {
  at: number;
}

export interface ExitButton extends HardwareDevice {
  readonly kind: "exit_button";
  onPress(listener: (press: ExitPress) => void): Unsubscribe;
}
