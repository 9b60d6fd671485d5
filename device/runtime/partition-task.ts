/**
 * Builds the gallery's coarse partition in the background after the vault is loaded:
 * one bounded `partitionStep()` per timer turn (about 3 ms each; card, PIN, MQTT and door
 * events are served in between), searches exhaustive until it is ready. About 2.7 s of
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

export function startPartitionTask(o: { index: GalleryIndex; timers: Timers; log: Logger }): PartitionTask {
  let handle: TimerHandle | undefined;
  let stopped = false;
  let steps = 0;
  const turn = (): void => {
    handle = undefined;
    if (stopped) return;
    let more: boolean;
    try {
      more = o.index.partitionStep();
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
