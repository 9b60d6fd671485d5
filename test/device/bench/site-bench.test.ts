/**
 * `facegate bench site` on a few light gates: it runs the whole path (residents, push to
 * every gate, deletion to certificate, events stored) and reports JSON with its figures.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../device/cli/main.js";
import type { CliIo } from "../../../device/cli/cli-io.js";
import { startTestBroker, type TestBroker } from "../../support/broker.js";

let broker: TestBroker;
beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(async () => {
  await broker?.stop();
});

describe("facegate bench site", () => {
  it("pushes residents and deletions to every gate and reports the figures as JSON", async () => {
    const stdout: string[] = [];
    const io: CliIo = { out: (t) => stdout.push(t), err: () => {}, env: {}, cwd: process.cwd() };
    const code = await main(["bench", "site", "--url", broker.url, "--mqtt-version", String(broker.protocolVersion), "--gates", "3", "--residents", "20", "--rounds", "2", "--json"], io);
    expect(code).toBe(0);
    const report = JSON.parse(stdout[0]!) as Record<string, unknown> & { pushToAllGatesMs: { n: number; p95: number }; deletionToCertificateMs: { n: number; p95: number }; eventsStoredPerSecond: { n: number; p50: number } };
    expect(report).toMatchObject({ gates: 3, residents: 20, rounds: 2, engine: "sqlite", deletionTargetP95Ms: 2000 });
    expect(report.pushToAllGatesMs.n).toBe(2);
    expect(report.deletionToCertificateMs.p95).toBeGreaterThan(0);
    expect(report.eventsStoredPerSecond.p50).toBeGreaterThan(0);
  }, 60_000);
});
