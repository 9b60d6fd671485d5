/**
 * The gate's time comes from its ports: the housekeeping tick and the wait for a hung
 * analysis on stop run on the Timers it is given, and its event ids on the id generator
 * it is given (the gate imports no platform module). ManualTimers on a ManualClock fire
 * only when the test moves time.
 */
import { afterEach, describe, expect, it } from "vitest";
import { STOP_GRACE_MS } from "../../../sdk/gate/gate-controller.js";
import type { FaceAnalysis, FaceAnalyzer } from "../../../sdk/gate/ports.js";
import { type PortHarness, buildPortHarness, harnessClock } from "../../support/port-harness.js";
import { InMemoryPrivacyDesk } from "../../support/port-fakes.js";

const RESIDENT = { personRef: "p-t-1", rights: { gates: ["lobby"] }, cards: [{ cardNumber: "BEEF1234" }], pins: [{ code: "31", pin: "482016" }] };

/** An analyzer that never answers. */
class HungAnalyzer implements FaceAnalyzer {
  calls = 0;
  analyze(): Promise<FaceAnalysis> {
    this.calls++;
    return new Promise(() => {});
  }
}

let h: PortHarness | undefined;
afterEach(async () => {
  const open = h;
  h = undefined;
  if (!open) return;
  const stopping = open.close();
  open.clock.advance(STOP_GRACE_MS);
  open.timers?.runDue();
  await stopping;
});

/** Lets pending promise callbacks run (no time passes on the manual clock). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("gate timers", () => {
  it("runs the housekeeping tick every tickMs on the timers it is given", async () => {
    h = await buildPortHarness({ gates: [{ gateId: "lobby", mode: "card_and_pin" }], timers: "manual", settings: { tickMs: 500 } });
    await h.access.putPerson(RESIDENT);
    h.hardware.swipe("BEEF1234");
    await h.gate.idle();
    h.clock.advance(15_000);
    h.timers!.runDue();
    await h.gate.idle();
    // The card waited its 15 s for a PIN: the tick that reports it ran without gate.tick().
    expect(h.events.events.at(-1)).toMatchObject({ type: "access.denied", data: { reason: "second_factor_timeout" } });
    h.clock.advance(500);
    expect(h.timers!.runDue()).toBe(1); // set again for the next tick
  });

  it("sets no timer with tickMs 0, and clears its tick when it stops", async () => {
    const idle = await buildPortHarness({ gates: [{ gateId: "lobby", mode: "card" }], timers: "manual" });
    idle.clock.advance(60_000);
    expect(idle.timers!.runDue()).toBe(0);
    await idle.close();
    h = await buildPortHarness({ gates: [{ gateId: "lobby", mode: "card" }], timers: "manual", settings: { tickMs: 500 } });
    const stopped = h;
    h = undefined;
    await stopped.close();
    stopped.clock.advance(60_000);
    expect(stopped.timers!.runDue()).toBe(0);
  });

  it("waits for a hung analysis on stop until STOP_GRACE_MS pass on its timers, then stops anyway", async () => {
    const analyzer = new HungAnalyzer();
    const gallery = new InMemoryPrivacyDesk({ clock: harnessClock() }).matcher("lobby");
    const gate = await buildPortHarness({ gates: [{ gateId: "lobby", mode: "face_or_card" }], face: { analyzer, matcher: gallery }, timers: "manual" });
    gate.hardware.camera.presentFrame({ width: 2, height: 2, data: new Uint8Array(12) });
    expect(analyzer.calls).toBe(1);
    let stopped = false;
    const stopping = gate.close().then(() => {
      stopped = true;
    });
    await settle();
    gate.clock.advance(STOP_GRACE_MS - 1);
    gate.timers!.runDue();
    await settle();
    expect(stopped).toBe(false);
    gate.clock.advance(1);
    expect(gate.timers!.runDue()).toBe(1);
    await stopping;
    expect(stopped).toBe(true);
  });

  it("names its events with the id generator it is given", async () => {
    let n = 0;
    h = await buildPortHarness({ gates: [{ gateId: "lobby", mode: "card" }], newId: () => `ev-${++n}` });
    await h.access.putPerson(RESIDENT);
    h.hardware.swipe("BEEF1234");
    await h.gate.idle();
    // The access store's own events carry no gate id.
    expect(h.events.events.filter((e) => e.gateId === "lobby").map((e) => [e.type, e.id])).toEqual([["access.granted", "ev-1"]]);
  });
});
