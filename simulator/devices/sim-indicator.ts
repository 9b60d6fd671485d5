/** Simulated indicator: keeps the signals it was given. */
import type { Indicator, IndicatorSignal } from "../../sdk/hal/indicator.js";
import type { Clock } from "../../sdk/time/clock.js";
import { SimDevice } from "./sim-device.js";

export class SimIndicator extends SimDevice implements Indicator {
  readonly kind = "indicator" as const;
  readonly signals: Array<{ at: number; signal: IndicatorSignal }> = [];

  constructor(
    id: string,
    private readonly clock: Clock,
  ) {
    super(id);
  }

  async signal(kind: IndicatorSignal): Promise<void> {
    this.assertConnected();
    this.signals.push({ at: this.clock.now(), signal: kind });
  }
}
