import { describe, expect, it } from "vitest";
import { TARGET_STEP_MS, startPartitionTask } from "../../../device/runtime/partition-task.js";
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
    startPartitionTask({ index, timers: turnTimers, log, monotonicMs: () => performance.now() });
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

  it("sizes each step to take about TARGET_STEP_MS by the clock passed in: small while steps are slow, growing (at most doubling) while they are fast", () => {
    for (const [msPerVector, expected] of [
      [0.25, 8],
      [0.01, 200],
    ] as const) {
      const { index } = gallery(1200);
      const { log } = timersAndLog();
      let now = 0;
      const budgets: number[] = [];
      const step = index.partitionStep.bind(index);
      index.partitionStep = (budget?: number) => {
        budgets.push(budget!);
        now += budget! * msPerVector;
        return step(budget);
      };
      const queue: Array<() => void> = [];
      startPartitionTask({ index, timers: { setTimer: (fn: () => void) => queue.push(fn), clearTimer: () => {} }, log, monotonicMs: () => now });
      while (queue.length > 0) queue.shift()!();
      expect(index.partitionState).toBe("partitioned");
      expect(budgets[0]).toBe(8);
      expect(Math.max(...budgets)).toBe(expected);
      for (let i = 1; i < budgets.length; i++) expect(budgets[i]!).toBeLessThanOrEqual(budgets[i - 1]! * 2);
      expect(budgets.every((b) => b * msPerVector <= TARGET_STEP_MS + 1e-9)).toBe(true);
    }
  });

  it("sets no timer for a gallery below the partition's minimum, and stops when told", () => {
    const small = gallery(999);
    const a = timersAndLog();
    startPartitionTask({ index: small.index, timers: a.timers, log: a.log, monotonicMs: () => 0 });
    expect(a.timers.runDue()).toBe(0);
    expect(small.index.partitionState).toBe("exhaustive");

    const big = gallery(1200);
    const b = timersAndLog();
    const task = startPartitionTask({ index: big.index, timers: b.timers, log: b.log, monotonicMs: () => performance.now() });
    task.stop();
    expect(b.timers.runDue()).toBe(0);
    expect(big.index.partitionState).toBe("exhaustive");
  });
});
