/** `facegate bench osdp` runs end to end over a pty and reports both figures. */
import { expect, it } from "vitest";
import { main } from "../../../device/cli/main.js";
import type { CliIo } from "../../../device/cli/cli-io.js";
import { describeWithSocat } from "../../support/osdp-fixture.js";

describeWithSocat("facegate bench osdp", () => {
  it("measures the poll round trip and card read to door decision with the Secure Channel on", async () => {
    const stdout: string[] = [];
    const io: CliIo = { out: (t) => stdout.push(t), err: () => {}, env: {}, cwd: process.cwd() };
    expect(await main(["bench", "osdp", "--polls", "50", "--cards", "3", "--json"], io)).toBe(0);
    const report = JSON.parse(stdout[0]!) as { secureChannel: boolean; pollRoundTripMs: { n: number; p95: number }; cardToDecisionMs: { n: number; p50: number } };
    expect(report.secureChannel).toBe(true);
    expect(report.pollRoundTripMs.n).toBe(50);
    expect(report.cardToDecisionMs.n).toBe(3);
    expect(report.cardToDecisionMs.p50).toBeGreaterThan(0);
  });
});
