/**
 * Wiegand reader, door sensor, exit button and tamper switch as drivers: the real
 * driver code spawns gpiomon and gpioget, here the fake chip's (test/support/
 * fake-gpiochip stands in for the GPIO chip and the kernel; it prints, in gpiomon's
 * format, the edges with kernel timestamps that the test "wires" to it). Real timers.
 */
import { afterEach, describe, expect, it } from "vitest";
import { GpioDoorSensor, GpioExitButton, GpioTamperSwitch, InputGroup } from "../../../../device/drivers/gpio/gpio-inputs.js";
import { DEFAULT_WIEGAND_TIMING } from "../../../../device/drivers/gpio/wiegand-decoder.js";
import { WiegandReader } from "../../../../device/drivers/gpio/wiegand-reader.js";
import { processTimers } from "../../../../device/drivers/process/child-process.js";
import type { CardRead } from "../../../../sdk/hal/card-reader.js";
import type { DoorState } from "../../../../sdk/hal/door-sensor.js";
import type { KeypadKey } from "../../../../sdk/hal/keypad.js";
import { MemoryLogSink, createLogger } from "../../../../sdk/log/logger.js";
import { systemClock } from "../../../../sdk/time/clock.js";
import { FakeGpioChip } from "../../../support/fake-gpiochip.js";
import { waitUntil } from "../../../support/mjpeg-server.js";
import { D0, D1, addUs, cardBits, frameEdges, keyBits, pulse } from "../../../support/wiegand-signal.js";

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function chip(): FakeGpioChip {
  const c = new FakeGpioChip();
  cleanup.push(() => c.remove());
  return c;
}

let kernelTime = { sec: 15_000, nsec: 0 };
/** Kernel time moves on between what the hardware does. */
function later(ms: number) {
  kernelTime = addUs(kernelTime, ms * 1000);
  return kernelTime;
}

describe("Wiegand reader on GPIO", () => {
  function reader(c: FakeGpioChip) {
    const logs = new MemoryLogSink();
    const r = new WiegandReader({
      cardReaderId: "lobby.card-reader",
      keypadId: "lobby.keypad",
      chip: "gpiochip0",
      d0: D0,
      d1: D1,
      active: "low",
      bias: "pull-up",
      timing: DEFAULT_WIEGAND_TIMING,
      flushMs: 50,
      cardFormat: "hex",
      spawn: c.spawn,
      timers: processTimers,
      clock: systemClock,
      logger: createLogger({ sink: logs.sink, level: "debug" }),
    });
    cleanup.push(() => r.stop());
    const cards: CardRead[] = [];
    const keys: KeypadKey[] = [];
    r.cardReader.onCard((c) => cards.push(c));
    r.keypad.onKey((k) => keys.push(k.key));
    return { r, cards, keys, logs };
  }

  it("reports each card once and each key in order, and logs neither", async () => {
    const c = chip();
    const { r, cards, keys, logs } = reader(c);
    r.start();
    await waitUntil(() => r.cardReader.status === "connected" && r.keypad.status === "connected" && c.heldBy(D1) === "gpiomon", 20_000, "connected");
    c.emit(frameEdges(cardBits(0x7b11d7n, 34), later(100)));
    await waitUntil(() => cards.length === 1, 15_000, "the card");
    for (const k of ["4", "2", "#"] as const) c.emit(frameEdges(keyBits(k, 8), later(300)));
    await waitUntil(() => keys.length === 3, 15_000, "the keys");
    await new Promise((r) => setTimeout(r, 200));
    expect(cards.map((x) => x.cardNumber)).toEqual(["007B11D7"]);
    expect(keys).toEqual(["4", "2", "#"]);
    // A bad frame is logged by length and reason only.
    c.emit(frameEdges(cardBits(0x7b11d7n, 26).map((b, i) => (i === 3 ? 1 - b : b)), later(300)));
    await waitUntil(() => logs.records.some((l) => l.message === "wiegand frame rejected"), 15_000, "the rejection");
    expect(logs.records.find((l) => l.message === "wiegand frame rejected")!.fields).toEqual({ bits: 26, reason: "parity" });
    expect(logs.text()).not.toMatch(/7B11D7|8065495/i);
  });

  it("is disconnected while gpiomon cannot run, delivers nothing then, and comes back", async () => {
    const c = chip();
    const { r, cards } = reader(c);
    r.start();
    await waitUntil(() => r.cardReader.status === "connected" && c.heldBy(D1) === "gpiomon", 20_000, "connected");
    c.unplug();
    await waitUntil(() => r.cardReader.status === "disconnected" && r.keypad.status === "disconnected", 15_000, "disconnected");
    c.emit(frameEdges(cardBits(0x010001n, 26), later(100)));
    await new Promise((res) => setTimeout(res, 300));
    expect(cards).toHaveLength(0);
    c.plugIn();
    await waitUntil(() => r.cardReader.status === "connected" && c.heldBy(D1) === "gpiomon", 20_000, "connected again");
    c.emit(frameEdges(cardBits(0x010001n, 26), later(100)));
    await waitUntil(() => cards.length === 1, 15_000, "a card after the return");
    expect(cards[0]!.cardNumber).toBe("010001");
  });
});

describe("door sensor, exit button and tamper switch on GPIO", () => {
  const DOOR = 6;
  const EXIT = 7;
  const TAMPER = 8;

  function inputs(c: FakeGpioChip) {
    const ctx = { clock: systemClock, timers: processTimers };
    const door = new GpioDoorSensor("lobby.door-sensor", { offset: DOOR, active: "high", debounceMs: 30 }, ctx);
    const exit = new GpioExitButton("lobby.exit-button", { offset: EXIT, active: "low", debounceMs: 30 }, ctx);
    const tamper = new GpioTamperSwitch("lobby.tamper", { offset: TAMPER, active: "high", debounceMs: 30 }, ctx);
    const group = new InputGroup({ chip: "gpiochip0", bias: "pull-up", inputs: [door, exit, tamper], spawn: c.spawn, timers: processTimers, clock: systemClock, logger: createLogger({ sink: () => {} }) });
    cleanup.push(() => group.stop());
    const doorChanges: DoorState[] = [];
    const presses: number[] = [];
    const tampers: boolean[] = [];
    door.onChange((ch) => doorChanges.push(ch.state));
    exit.onPress((p) => presses.push(p.at));
    tamper.onChange((t) => tampers.push(t.tampered));
    return { door, exit, tamper, group, doorChanges, presses, tampers };
  }

  /** A contact that bounces: `count` flips 0.4 ms apart before it settles on `final`. */
  function bounce(offset: number, final: 0 | 1, count = 5) {
    const start = later(500);
    const edges = [];
    for (let i = 0; i <= count; i++) {
      const level = (count - i) % 2 === 0 ? final : 1 - final;
      edges.push({ offset, rising: level === 1, ...addUs(start, i * 400) });
    }
    return edges;
  }

  it("starts from the levels read, and reports one change per movement however the contact bounces", async () => {
    const c = chip();
    c.setLevel(DOOR, 0);
    c.setLevel(EXIT, 1);
    c.setLevel(TAMPER, 0);
    const { door, exit, tamper, group, doorChanges, presses, tampers } = inputs(c);
    group.start();
    await waitUntil(() => door.status === "connected" && exit.status === "connected" && tamper.status === "connected" && c.heldBy(TAMPER) === "gpiomon", 20_000, "connected");
    expect(door.state).toBe("closed");
    expect(tamper.tampered).toBe(false);

    c.emit(bounce(DOOR, 1));
    await waitUntil(() => doorChanges.length === 1, 15_000, "door open");
    c.emit(bounce(DOOR, 0));
    await waitUntil(() => doorChanges.length === 2, 15_000, "door closed");
    c.emit(bounce(EXIT, 0));
    await waitUntil(() => presses.length === 1, 15_000, "exit pressed");
    c.emit(bounce(EXIT, 1)); // released: not a press
    c.emit(bounce(TAMPER, 1));
    await waitUntil(() => tampers.length === 1, 15_000, "tamper");
    await new Promise((r) => setTimeout(r, 200));
    expect(doorChanges).toEqual(["open", "closed"]);
    expect(presses).toHaveLength(1);
    expect(tampers).toEqual([true]);
    expect(door.state).toBe("closed");
    expect(tamper.tampered).toBe(true);
  });

  it("ignores a pulse shorter than the debounce time, and a repeated reading", async () => {
    const c = chip();
    c.setLevel(DOOR, 0);
    c.setLevel(EXIT, 1);
    const { door, group, doorChanges, presses } = inputs(c);
    group.start();
    await waitUntil(() => door.status === "connected" && c.heldBy(DOOR) === "gpiomon", 20_000, "connected");
    const t = later(100);
    // The exit line (idle high) dips for 2 ms; the door line repeats its closed level.
    c.emit([...pulse(EXIT, t, 2_000), { offset: DOOR, rising: false, ...addUs(t, 5_000) }]);
    await new Promise((r) => setTimeout(r, 400));
    expect(presses).toHaveLength(0);
    expect(doorChanges).toHaveLength(0);
  });

  it("keeps the last door state while gpiomon is down, and reports a change that happened meanwhile once it is back", async () => {
    const c = chip();
    c.setLevel(DOOR, 0);
    c.setLevel(EXIT, 1);
    const { door, group, doorChanges } = inputs(c);
    const statuses: string[] = [];
    door.onStatus((s) => statuses.push(s));
    group.start();
    await waitUntil(() => door.status === "connected" && c.heldBy(DOOR) === "gpiomon", 20_000, "connected");
    c.unplug();
    await waitUntil(() => door.status === "disconnected", 15_000, "disconnected");
    c.setLevel(DOOR, 1); // opened while nobody watched
    expect(door.state).toBe("closed");
    expect(doorChanges).toHaveLength(0);
    c.plugIn();
    await waitUntil(() => door.status === "connected", 10_000, "back");
    expect(door.state).toBe("open");
    expect(doorChanges).toEqual(["open"]);
    expect(statuses).toEqual(["connected", "disconnected", "connected"]);
  });
});
