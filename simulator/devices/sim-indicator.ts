/**
 * Simulated indicator: keeps the signals it was given. The pattern shown now is derived
 * from the clock, so with a ManualClock a temporary pattern (granted, denied, attention)
 * is back to idle by itself once time has moved `temporaryMs` past it.
 */
import type { Indicator, IndicatorSignal } from "../../sdk/hal/indicator.js";
import type { Clock } from "../../sdk/time/clock.js";
import { SimDevice } from "./sim-device.js";

export class SimIndicator extends SimDevice implements Indicator {
  readonly kind = "indicator" as const;
  readonly signals: Array<{ at: number; signal: IndicatorSignal }> = [];

  constructor(
    id: string,
    private readonly clock: Clock,
    readonly temporaryMs = 3_000,
  ) {
    super(id);
  }

  async signal(kind: IndicatorSignal): Promise<void> {
    this.assertConnected();
    this.signals.push({ at: this.clock.now(), signal: kind });
  }

  /** Test hook: the pattern shown now. */
  get pattern(): IndicatorSignal {
    const last = this.signals[this.signals.length - 1];
    if (!last) return "idle";
    if (last.signal === "idle" || last.signal === "alarm") return last.signal;
    return this.clock.now() < last.at + this.temporaryMs ? last.signal : "idle";
  }
}
