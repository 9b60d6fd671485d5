/**
 * What a gate tells: events through the EventRecorder, messages on the display, signals
 * on the indicator. None of them may block or fail a decision: a failing recorder or
 * display is logged, a failing indicator is ignored.
 */
import { isFacegateError } from "../errors.js";
import type { EventRecorder, FacegateEvent } from "../events/event.js";
import type { DisplayMessage } from "../hal/display.js";
import type { GateHardware } from "../hal/gate-hardware.js";
import type { IndicatorSignal } from "../hal/indicator.js";
import type { Logger } from "../log/logger.js";
import type { Clock } from "../time/clock.js";
import { gateEvent } from "./gate-events.js";

export interface GateOutputsOptions {
  gateId: string;
  hardware: Pick<GateHardware, "display" | "indicator">;
  clock: Clock;
  recorder: EventRecorder;
  log: Logger;
  newId: () => string;
}

export class GateOutputs {
  private readonly options: GateOutputsOptions;

  constructor(options: GateOutputsOptions) {
    this.options = options;
  }

  record(type: string, data: Record<string, unknown>): void {
    const { gateId, clock, recorder, log, newId } = this.options;
    const event: FacegateEvent = gateEvent(newId(), type, clock.now(), gateId, data);
    try {
      recorder.record(event);
    } catch (err) {
      log.error("event could not be recorded", { type, error: err });
    }
  }

  /** A display failure never blocks a decision. */
  async show(message: DisplayMessage): Promise<void> {
    try {
      await this.options.hardware.display.show(message);
    } catch (err) {
      this.options.log.warn("display unavailable", { error: isFacegateError(err) ? err.code : "display_error" });
    }
  }

  async signal(kind: IndicatorSignal): Promise<void> {
    const indicator = this.options.hardware.indicator;
    if (!indicator) return;
    try {
      await indicator.signal(kind);
    } catch {
      // Optional part: its status events already report the problem.
    }
  }
}
