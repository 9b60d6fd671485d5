/**
 * The effects every pure step of the gate (menu-step.ts, face-step.ts) may ask for: show a
 * message, record an event, log a warning. Its shell performs them through its context.
 */
import type { DisplayMessage } from "../hal/display.js";
import type { Logger } from "../log/logger.js";

export type OutputEffect =
  | { type: "show"; message: DisplayMessage }
  | { type: "record"; event: string; data: Record<string, unknown> }
  | { type: "warn"; message: string; data: Record<string, unknown> };

export interface EffectOutputs {
  readonly log: Logger;
  /** A display failure never blocks a decision. */
  show(message: DisplayMessage): Promise<void>;
  record(type: string, data: Record<string, unknown>): void;
}

export async function performOutput(effect: OutputEffect, out: EffectOutputs): Promise<void> {
  switch (effect.type) {
    case "show":
      return out.show(effect.message);
    case "record":
      out.record(effect.event, effect.data);
      return;
    case "warn":
      out.log.warn(effect.message, effect.data);
      return;
  }
}
