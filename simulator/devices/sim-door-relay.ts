/**
 * Simulated door relay. Records every pulse; "unlocked" is derived from the clock, so
 * with a ManualClock the relay re-locks by itself when time is advanced past the pulse.
 */
import { HardwareError } from "../../sdk/errors.js";
import type { DoorRelay } from "../../sdk/hal/door-relay.js";
import type { Clock } from "../../sdk/time/clock.js";
import { SimDevice } from "./sim-device.js";

export interface RelayPulse {
  at: number;
  durationMs: number;
}

export class SimDoorRelay extends SimDevice implements DoorRelay {
  readonly kind = "door_relay" as const;
  readonly pulses: RelayPulse[] = [];
  private unlockedUntil = 0;

  constructor(
    id: string,
    private readonly clock: Clock,
    readonly maxUnlockMs = 60_000,
  ) {
    super(id);
  }

  async unlock(durationMs: number): Promise<void> {
    this.assertConnected();
    if (!Number.isFinite(durationMs) || durationMs <= 0 || durationMs > this.maxUnlockMs) {
      throw new HardwareError("hardware_invalid_request", `unlock duration must be 1..${this.maxUnlockMs} ms`, { device: this.id });
    }
    const at = this.clock.now();
    this.pulses.push({ at, durationMs });
    this.unlockedUntil = Math.max(this.unlockedUntil, at + durationMs);
  }

  async lock(): Promise<void> {
    this.assertConnected();
    this.unlockedUntil = 0;
  }

  /** Test hook: whether the lock is released now. */
  get unlocked(): boolean {
    return this.clock.now() < this.unlockedUntil;
  }
}
