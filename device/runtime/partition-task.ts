/**
 * Builds the gallery's coarse partition in the background after the vault is loaded:
 * one bounded `partitionStep()` per timer turn (card, PIN, MQTT and door events are served
 * in between), searches exhaustive until it is ready. Each step's budget is adapted to
 * take about TARGET_STEP_MS on this machine, as measured by the monotonic clock passed
 * in: the first steps run small (the code is not yet compiled: the first 128 vectors took
 * 28 ms where later ones take 4), a slow or busy terminal gets smaller steps. About 2.7 s of
 * CPU at 100,000 templates, spread over ~1,100 turns; nothing at all below the
 * partition's minimum size (20,000 templates by default).
 *
 * Runs once per start: a gallery that grows past the minimum through enrolment is
 * partitioned at the next start (until then it is searched exhaustively, as today).
 */
import type { GalleryIndex } from "../../sdk/matcher/gallery-index.js";
import type { Logger } from "../../sdk/log/logger.js";
import type { TimerHandle, Timers } from "../../sdk/time/timers.js";

export interface PartitionTask {
  /** Stops scheduling steps (a build left half-way is simply not used). */
  stop(): void;
}

/** What one step should take. */
export const TARGET_STEP_MS = 2;
const FIRST_BUDGET = 8;
const MAX_BUDGET = 1024;

export function startPartitionTask(o: { index: GalleryIndex; timers: Timers; log: Logger; monotonicMs: () => number }): PartitionTask {
  let handle: TimerHandle | undefined;
  let stopped = false;
  let steps = 0;
  let budget = FIRST_BUDGET;
  const turn = (): void => {
    handle = undefined;
    if (stopped) return;
    let more: boolean;
    try {
      const began = o.monotonicMs();
      more = o.index.partitionStep(budget);
      const took = o.monotonicMs() - began;
      // Scaled towards the target, at most doubling per step (one fast step proves little).
      budget = Math.max(1, Math.min(MAX_BUDGET, budget * 2, Math.round((budget * TARGET_STEP_MS) / Math.max(took, 0.05))));
      steps++;
    } catch (err) {
      // A failed build leaves the gallery exhaustive, which is correct, only slower.
      o.log.warn("gallery partition build failed; searches stay exhaustive", { error: err as Error });
      return;
    }
    if (more) handle = o.timers.setTimer(turn, 0);
    else if (o.index.partitionLists > 0) o.log.info("gallery partition ready", { lists: o.index.partitionLists, templates: o.index.size, steps });
  };
  if (o.index.partitionDue) handle = o.timers.setTimer(turn, 0);
  return {
    stop() {
      stopped = true;
      if (handle !== undefined) o.timers.clearTimer(handle);
      handle = undefined;
    },
  };
}
