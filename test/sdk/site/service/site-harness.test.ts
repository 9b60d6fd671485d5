/**
 * The test site itself (test/support/site-harness.ts): gates of one site on one broker,
 * each under its own pinned keys, whose links go offline and online without losing data.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OperatorClient } from "../../../../sdk/operator/operator-client.js";
import type { GateStateMessage } from "../../../../sdk/protocol/index.js";
import { startTestBroker, type TestBroker } from "../../../support/broker.js";
import { type SiteHarness, startSiteHarness } from "../../../support/site-harness.js";

let broker: TestBroker;
let site: SiteHarness;

beforeAll(async () => {
  broker = await startTestBroker();
  site = await startSiteHarness({ broker, gateIds: ["main", "b3"], pipeline: null });
});
afterAll(async () => {
  await site?.close();
  await broker?.stop();
});

describe("the site harness", () => {
  it("runs gates of one site with distinct keys whose state verifies against their own key only, offline and back", async () => {
    const [a, b] = site.gates;
    expect(Buffer.from(a!.signingPublicKey).equals(Buffer.from(b!.signingPublicKey))).toBe(false);
    const op = new OperatorClient({ url: broker.url, prefix: site.prefix, protocolVersion: broker.protocolVersion });
    await op.start();
    const states: GateStateMessage[] = [];
    const keys = new Map(site.gates.map((g) => [g.gateId, g.signingPublicKey]));
    const watch = await op.watch({ site: site.site, gate: "+", deviceKeys: (_s, g) => keys.get(g), onState: (s) => states.push(s) });
    await until(() => states.filter((s) => s.online).length >= 2);
    await a!.sim.access.putPerson({ personRef: "p-1", cards: [{ cardNumber: "C0FFEE01" }], rights: { gates: ["main"] } });
    await a!.goOffline();
    await until(() => states.some((s) => s.gate === "main" && !s.online));
    await a!.goOnline();
    await until(() => states.filter((s) => s.gate === "main" && s.online).length >= 2);
    expect(a!.sim.access.person("p-1")).toBeTruthy();
    expect(watch.rejected).toBe(0);
    await watch.stop();
    await op.stop();
  });
});

async function until(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!cond()) {
    if (Date.now() - started > timeoutMs) throw new Error("timed out waiting for a condition");
    await new Promise((r) => setTimeout(r, 20));
  }
}
