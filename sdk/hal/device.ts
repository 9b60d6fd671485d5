/**
 * What every hardware contract shares: a connection status that can change, and
 * subscriptions that return an unsubscribe function (no callback-style APIs).
 *
 * Obligations of every implementation:
 * - `status` is "connected" or "disconnected" and is always current.
 * - When the device goes away (cable pulled, driver error) `status` becomes
 *   "disconnected" and every `onStatus` listener is called once with "disconnected";
 *   when it comes back, once with "connected". Listeners are never called twice in a
 *   row with the same status.
 * - While disconnected, input devices deliver no input at all, and operations (relay
 *   unlock, display show) reject with a HardwareError of code `hardware_disconnected`.
 * - A listener that throws does not stop other listeners nor the device; the
 *   implementation swallows the error (the gate logs its own failures).
 * - Calling an unsubscribe function twice is harmless.
 */
import { HardwareError } from "../errors.js";

export type DeviceStatus = "connected" | "disconnected";

/** Removes the listener it was returned for. Idempotent. */
export type Unsubscribe = () => void;

export type HardwareKind = "camera" | "card_reader" | "keypad" | "door_relay" | "door_sensor" | "exit_button" | "display" | "indicator" | "tamper_switch";

export interface HardwareDevice {
  /** Opaque identifier of the device, unique within a gate (e.g. `lobby.camera`). */
  readonly id: string;
  readonly kind: HardwareKind;
  readonly status: DeviceStatus;
  onStatus(listener: (status: DeviceStatus) => void): Unsubscribe;
}

/** The error every operation on a disconnected device rejects with. */
export function disconnectedError(device: Pick<HardwareDevice, "id" | "kind">): HardwareError {
  return new HardwareError("hardware_disconnected", `${device.kind} ${device.id} is disconnected`, { device: device.id, kind: device.kind });
}
