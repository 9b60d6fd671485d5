/**
 * Unit tests of the gate orchestrator against its port contract: simulated hardware, a
 * real access store (SQLite, libsodium), and face/privacy ports scripted per test, so
 * failure modes (an analyzer that throws or hangs) and what reaches each port can be
 * controlled exactly. The whole gate with the real components is tested by the scenarios.
 */
import { DEFAULT_TRACK_SETTINGS } from "../../../sdk/vision/face-track.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { CameraFrame } from "../../../sdk/hal/camera.js";
import { type PortHarness as SimulatedGate, buildPortHarness, harnessClock } from "../../support/port-harness.js";
import { InMemoryPrivacyDesk, ScriptedAnalyzer, SpyMatcher, unitVector } from "../../support/port-fakes.js";

const FRAME: CameraFrame = { width: 2, height: 2, data: new Uint8Array(12) };
const RESIDENT = { personRef: "p-res-1", rights: { gates: ["lobby"] }, cards: [{ cardNumber: "CAFE4321" }], pins: [{ code: "101", pin: "582046" }] };

let sim: SimulatedGate | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function setup(mode = "face_or_card_or_pin") {
  const clock = harnessClock();
  const analyzer = new ScriptedAnalyzer();
  const desk = new InMemoryPrivacyDesk({ clock });
  const matcher = new SpyMatcher(desk.matcher("lobby"));
  sim = await buildPortHarness({ gates: [{ gateId: "lobby", mode }], face: { analyzer, matcher }, privacy: desk, clock });
  await sim.access.putPerson(RESIDENT);
  return { sim, analyzer, matcher, desk };
}

async function cardAndPinStillOpen(s: SimulatedGate): Promise<void> {
  const before = s.hardware.pulses.length;
  s.hardware.swipe("CAFE4321");
  await s.gate.idle();
  s.clock.advance(10_000);
  s.hardware.typePin("582046", "101");
  await s.gate.idle();
  expect(s.hardware.pulses.length).toBe(before + 2);
  const granted = s.events.events.filter((e) => e.type === "access.granted").slice(-2);
  expect(granted.map((e) => e.data["method"])).toEqual(["card", "pin"]);
}

describe("gate orchestrator: card and PIN never depend on the face path (L2)", () => {
  it("opens with card and PIN when the analyzer throws (stand-in analyzer)", async () => {
    const { sim, analyzer } = await setup();
    analyzer.mode = "throw";
    sim.hardware.camera.presentFrame(FRAME);
    await sim.gate.idle();
    expect(sim.events.events.map((e) => e.type)).toContain("system.face_unavailable");
    expect(sim.hardware.display.current?.text).toMatch(/Use your card or PIN/);
    await cardAndPinStillOpen(sim);
  });

  it("opens with card and PIN while the analyzer hangs", async () => {
    const { sim, analyzer } = await setup();
    analyzer.mode = "hang";
    sim.hardware.camera.presentFrame(FRAME);
    sim.hardware.swipe("CAFE4321");
    // The face task never finishes; the card is handled anyway.
    await vi.waitFor(() => expect(sim.hardware.pulses.length).toBe(1));
    expect(sim.events.events.at(-1)).toMatchObject({ type: "access.granted", data: { method: "card" } });
  });

  it("opens with card and PIN when the camera is disconnected", async () => {
    const { sim, analyzer } = await setup();
    sim.hardware.disconnect("camera");
    await sim.gate.idle();
    expect(sim.hardware.camera.presentFrame(FRAME)).toBe(false);
    expect(analyzer.calls).toBe(0);
    expect(sim.events.events.find((e) => e.type === "system.hardware_status")?.data).toMatchObject({ kind: "camera", status: "disconnected" });
    await cardAndPinStillOpen(sim);
  });

  it("opens when the display is disconnected too", async () => {
    const { sim } = await setup();
    sim.hardware.disconnect("display");
    await cardAndPinStillOpen(sim);
  });

  it("does not analyse frames at a gate whose mode does not use face (L4)", async () => {
    const { sim, analyzer } = await setup("card_or_pin");
    sim.hardware.camera.presentFrame(FRAME);
    await sim.gate.idle();
    expect(analyzer.calls).toBe(0);
  });
});

describe("gate orchestrator: faces (stand-in analyzer, matcher and desk)", () => {
  it("an unknown face leaves no event and no log line, and its embedding is zero-filled (L4)", async () => {
    const { sim, analyzer, matcher } = await setup();
    sim.logs.records.length = 0;
    sim.hardware.camera.presentFrame(FRAME);
    await sim.gate.idle();
    expect(matcher.searches).toBe(1);
    expect(sim.events.events.filter((e) => e.type !== "access.person_updated" && e.type !== "access.policy_changed")).toEqual([]);
    expect(sim.logs.records).toEqual([]);
    expect(sim.hardware.pulses).toEqual([]);
    for (const e of [...analyzer.issued, ...matcher.seen]) expect(e.every((x) => x === 0)).toBe(true);
    expect(sim.hardware.display.current?.text).toBe("Not recognised. Use your card or PIN.");
  });

  it("an enrolled, consenting face opens once the frames of its track agree; all embeddings are wiped afterwards", async () => {
    const { sim, analyzer, desk } = await setup();
    desk.giveConsent("p-res-1", { noticeVersion: "v1", noticeHash: desk.currentNotice().hash, method: "electronic", collectedBy: "test", gateId: "lobby", at: sim.clock.now() });
    desk.enrollFromEmbedding("p-res-1", unitVector(1), "lobby");
    // One frame is not enough: DEFAULT_TRACK_SETTINGS.framesRequired consecutive frames must agree.
    for (let i = 1; i < DEFAULT_TRACK_SETTINGS.framesRequired; i++) {
      sim.hardware.camera.presentFrame(FRAME);
      await sim.gate.idle();
      expect(sim.hardware.pulses.length).toBe(0);
    }
    sim.hardware.camera.presentFrame(FRAME);
    await sim.gate.idle();
    expect(sim.events.events.at(-1)).toMatchObject({ type: "access.granted", data: { method: "face", reason: "ok", personRef: "p-res-1" } });
    expect(sim.hardware.pulses.length).toBe(1);
    for (const e of analyzer.issued) expect(e.every((x) => x === 0)).toBe(true);
    // Standing there does not open it again and again.
    sim.hardware.camera.presentFrame(FRAME);
    await sim.gate.idle();
    expect(sim.hardware.pulses.length).toBe(1);
    const text = JSON.stringify(sim.events.events) + sim.logs.text();
    expect(text).not.toMatch(/embedding|score|liveness|CAFE4321|582046/);
  });

  it("frames that name different people never open; a face that moves elsewhere starts a new track and its frames are counted again", async () => {
    const { sim, analyzer, desk } = await setup();
    desk.giveConsent("p-res-1", { noticeVersion: "v1", noticeHash: desk.currentNotice().hash, method: "electronic", collectedBy: "test", gateId: "lobby", at: sim.clock.now() });
    desk.enrollFromEmbedding("p-res-1", unitVector(1), "lobby");
    const frame = async (seed: number, x: number) => {
      analyzer.vector = unitVector(seed);
      analyzer.box = { x, y: 100, width: 150, height: 150 };
      sim.hardware.camera.presentFrame(FRAME);
      await sim.gate.idle();
    };
    const n = DEFAULT_TRACK_SETTINGS.framesRequired;
    // Alternating between the resident and nobody: never n agreeing frames.
    for (let i = 0; i < 2 * n; i++) await frame(i % 2 === 0 ? 1 : 50, 100);
    expect(sim.hardware.pulses.length).toBe(0);
    // n - 1 frames here, then the face is elsewhere: a new track, counted from one again.
    for (let i = 0; i < n - 1; i++) await frame(1, 100);
    await frame(1, 420);
    expect(sim.hardware.pulses.length).toBe(0);
    for (let i = 1; i < n - 1; i++) await frame(1, 425);
    expect(sim.hardware.pulses.length).toBe(0);
    await frame(1, 430);
    expect(sim.hardware.pulses.length).toBe(1);
    expect(sim.events.events.at(-1)).toMatchObject({ type: "access.granted", data: { method: "face", personRef: "p-res-1" } });
    for (const e of analyzer.issued) expect(e.every((x) => x === 0)).toBe(true);
  });

  it("liveness below threshold never opens and the face is not even matched (L5)", async () => {
    const { sim, analyzer, matcher, desk } = await setup();
    desk.giveConsent("p-res-1", { noticeVersion: "v1", noticeHash: desk.currentNotice().hash, method: "electronic", collectedBy: "test", gateId: "lobby", at: sim.clock.now() });
    desk.enrollFromEmbedding("p-res-1", unitVector(1), "lobby");
    analyzer.liveness = 0.2;
    sim.hardware.camera.presentFrame(FRAME);
    await sim.gate.idle();
    expect(matcher.searches).toBe(0);
    expect(sim.hardware.pulses).toEqual([]);
    expect(sim.events.events.at(-1)).toMatchObject({ type: "access.denied", data: { method: "face", reason: "liveness_failed" } });
    expect(sim.events.events.at(-1)?.data["personRef"]).toBeUndefined();
  });

  it("a face whose consent has expired is out of the gallery: it does not open, is not recognised and leaves no event (L1)", async () => {
    const { sim, desk, matcher } = await setup();
    desk.giveConsent("p-res-1", { noticeVersion: "v1", noticeHash: desk.currentNotice().hash, method: "electronic", collectedBy: "test", gateId: "lobby", at: sim.clock.now() });
    desk.enrollFromEmbedding("p-res-1", unitVector(1), "lobby");
    sim.clock.advance(366 * 24 * 3600_000); // the consent expired; the desk has not purged yet
    const before = sim.events.events.length;
    sim.hardware.camera.presentFrame(FRAME);
    await sim.gate.idle();
    expect(matcher.searches).toBe(1);
    expect(sim.hardware.pulses).toEqual([]);
    expect(sim.events.events.slice(before)).toEqual([]);
    expect(sim.hardware.display.current?.text).toBe("Not recognised. Use your card or PIN.");
  });

  it("card_and_pin: the PIN must follow the card in time; a timeout is recorded", async () => {
    const { sim } = await setup("card_and_pin");
    sim.hardware.swipe("CAFE4321");
    await sim.gate.idle();
    expect(sim.hardware.display.current?.text).toBe("Enter your PIN and #.");
    sim.clock.advance(16_000);
    await sim.gate.tick();
    expect(sim.events.events.at(-1)).toMatchObject({ type: "access.denied", data: { reason: "second_factor_timeout" } });
    sim.hardware.typePin("582046");
    await sim.gate.idle();
    expect(sim.hardware.pulses).toEqual([]);
    sim.hardware.swipe("CAFE4321");
    sim.hardware.typePin("582046");
    await sim.gate.idle();
    expect(sim.events.events.at(-1)).toMatchObject({ type: "access.granted", data: { method: "card_and_pin" } });
  });
});
