/** What keeps a tool's output from flooding memory or the log: the line splitter and the rate-limited log. */
import { describe, expect, it } from "vitest";
import { LineSplitter } from "../../../../device/drivers/process/line-splitter.js";
import { RateLimitedLog } from "../../../../device/drivers/process/rate-limited-log.js";
import { MemoryLogSink, createLogger } from "../../../../sdk/log/logger.js";
import { ManualClock } from "../../../../sdk/time/clock.js";

describe("line splitter", () => {
  it("joins lines across chunks and strips CR", () => {
    const s = new LineSplitter();
    expect(s.push("a\r\nb")).toEqual(["a"]);
    expect(s.push("c\nd\n")).toEqual(["bc", "d"]);
  });

  it("cuts a line that never ends at maxLine and drops the rest of it", () => {
    const s = new LineSplitter(10);
    const out: string[] = [];
    for (let i = 0; i < 1_000; i++) out.push(...s.push("x".repeat(1_000)));
    out.push(...s.push("tail\nnext\n"));
    expect(out).toEqual(["x".repeat(10), "next"]);
    expect(s.dropped).toBe(1_000 * 1_000 - 10 + 4);
  });
});

describe("rate-limited log", () => {
  it("lets a burst through, then one line per period, and says how many it held back", () => {
    const clock = new ManualClock();
    const sink = new MemoryLogSink();
    const log = new RateLimitedLog(createLogger({ sink: sink.sink }), clock, { burst: 3, perMs: 1_000 });
    for (let i = 0; i < 100; i++) log.log("warn", "ffmpeg", { said: `line ${i}` });
    expect(sink.records).toHaveLength(3);
    clock.advance(1_000);
    log.log("warn", "ffmpeg", { said: "later" });
    expect(sink.records).toHaveLength(4);
    expect(sink.records[3]!.fields).toEqual({ said: "later", suppressed: 97 });
  });
});
