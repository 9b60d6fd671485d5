/**
 * Indicator contract: LEDs and buzzer beside the display.
 *
 * Obligations:
 * - `signal(kind)` switches to the given pattern and resolves once it is applied; a
 *   pattern other than "idle" and "alarm" returns to "idle" by itself after a short
 *   time chosen by the implementation.
 * - While disconnected, `signal` rejects with HardwareError `hardware_disconnected`.
 */
import type { HardwareDevice } from "./device.js";

export type IndicatorSignal = "idle" | "granted" | "denied" | "attention" | "alarm";

export interface Indicator extends HardwareDevice {
  readonly kind: "indicator";
  signal(kind: IndicatorSignal): Promise<void>;
}
