import { describe, expect, it } from "vitest";
import { startPartitionTask } from "../../../device/runtime/partition-task.js";
import { createLogger, type LogRecord } from "../../../sdk/log/logger.js";
import { GalleryIndex } from "../../../sdk/matcher/gallery-index.js";
import { mulberry32, SyntheticFaces } from "../../../sdk/matcher/synthetic-embeddings.js";
import { ManualClock } from "../../../sdk/time/clock.js";
import { ManualTimers } from "../../../sdk/time/manual-timers.js";

function gallery(templates: number) {
  const faces = new SyntheticFaces(mulberry32(51));
  const index = new GalleryIndex({ partition: { minTemplates: 1000, nprobe: 4, random: mulberry32(52) } });
  const vectors: Float32Array[] = [];
  for (let i = 0; i < templates; i++) {
    const v = faces.template(faces.identity());
    vectors.push(v);
    index.add(`s${i}`, `t${i}`, v);
  }
  return { index, vectors };
}

function timersAndLog() {
  const clock = new ManualClock(0);
  const timers = new ManualTimers(clock);
  const records: LogRecord[] = [];
  const log = createLogger({ sink: (r) => records.push(r), level: "debug" }).child("matcher");
  return { timers, records, log };
}

describe("the runtime's partition task", () => {
  it("builds the partition one timer turn at a time, the gallery usable after every turn", () => {
    const { index, vectors } = gallery(1200);
    const { records, log } = timersAndLog();
    // Timers whose turns the test runs one by one (ManualTimers would run the chain at once).
    const queue: Array<() => void> = [];
    const turnTimers = { setTimer: (fn: () => void) => queue.push(fn), clearTimer: () => {} };
    startPartitionTask({ index, timers: turnTimers, log });
    expect(index.partitionState).toBe("exhaustive"); // nothing runs before the first turn
    let turns = 0;
    while (queue.length > 0) {
      queue.shift()!();
      turns++;
      expect(queue.length).toBeLessThanOrEqual(1);
      if (turns % 25 === 0) for (const v of vectors.slice(0, 10)) expect(index.search(v, 1)[0]!.score).toBeGreaterThan(0.99);
      if (turns === 5) expect(index.partitionState).toBe("building");
    }
    expect(turns).toBeGreaterThan(20);
    expect(index.partitionState).toBe("partitioned");
    const ready = records.find((r) => r.message === "gallery partition ready");
    expect(ready?.namespace).toBe("matcher");
    expect(ready?.fields).toMatchObject({ lists: index.partitionLists, templates: 1200, steps: turns });
    expect(JSON.stringify(records)).not.toMatch(/\d\.\d{6,}/); // no vector values, no scores
    for (const v of vectors.slice(0, 50)) expect(index.search(v, 1)[0]!.score).toBeGreaterThan(0.99);
  });

  it("sets no timer for a gallery below the partition's minimum, and stops when told", () => {
    const small = gallery(999);
    const a = timersAndLog();
    startPartitionTask({ index: small.index, timers: a.timers, log: a.log });
    expect(a.timers.runDue()).toBe(0);
    expect(small.index.partitionState).toBe("exhaustive");

    const big = gallery(1200);
    const b = timersAndLog();
    const task = startPartitionTask({ index: big.index, timers: b.timers, log: b.log });
    task.stop();
    expect(b.timers.runDue()).toBe(0);
    expect(big.index.partitionState).toBe("exhaustive");
  });
});
