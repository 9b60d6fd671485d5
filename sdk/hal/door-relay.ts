/**
 * Door relay (electric strike / magnetic lock) contract.
 *
 * Obligations:
 * - `unlock(durationMs)` releases the lock and re-locks BY ITSELF after `durationMs`
 *   (the relay or its driver owns the timer, so a controller crash never leaves the
 *   door unlocked). The promise resolves once the lock is released.
 * - Calling `unlock` while already unlocked extends the unlock to end `durationMs`
 *   from now; it never shortens it.
 * - `lock()` re-locks at once (used on stop()).
 * - `durationMs` must be a positive finite number no larger than `maxUnlockMs`;
 *   otherwise `unlock` rejects with HardwareError `hardware_invalid_request`.
 * - While disconnected, `unlock` and `lock` reject with HardwareError
 *   `hardware_disconnected`, and the lock stays in its fail-secure/fail-safe state as
 *   wired by the installer.
 */
import type { HardwareDevice } from "./device.js";

export interface DoorRelay extends HardwareDevice {
  readonly kind: "door_relay";
  /** Longest unlock the relay accepts, in milliseconds. */
  readonly maxUnlockMs: number;
  unlock(durationMs: number): Promise<void>;
  lock(): Promise<void>;
}
