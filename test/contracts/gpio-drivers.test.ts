/**
 * The hardware contract suites (sdk/testing/hal) over the GPIO drivers
 * (device/drivers/gpio): the door relay, the door sensor, the exit button, and the
 * Wiegand reader's card reader and keypad. The drivers are the real ones, spawning
 * libgpiod's tools; the chip is the fake one of test/support/fake-gpiochip (same tool
 * names, command lines and output, edges with kernel timestamps), since this machine
 * has no gpio-sim (test/device/drivers/gpio/gpio-sim.test.ts runs on the kernel's).
 *
 * The devices read the gate's clock (the suite's ManualClock). The relay times the
 * unlock with the suite's ManualTimers, its tools and its chip watch with the process
 * timers; the inputs debounce and retry on the process timers (their inputs arrive on
 * real time from gpiomon). `disconnect()` unplugs the chip; `settle()` waits for the
 * status the fixture expects, then for what was given since to be delivered (a bound
 * of 5 s), or, while disconnected, 300 ms for it to be certainly dropped.
 */
import type { DeviceStatus, HardwareDevice } from "../../sdk/hal/device.js";
import type { DoorState } from "../../sdk/hal/door-sensor.js";
import type { KeypadKey } from "../../sdk/hal/keypad.js";
import { MemoryLogSink, createLogger, silentLogger } from "../../sdk/log/logger.js";
import { cardReaderContract, doorRelayContract, doorSensorContract, exitButtonContract, keypadContract } from "../../sdk/testing/hal/index.js";
import { GpioDoorSensor, GpioExitButton, InputGroup } from "../../device/drivers/gpio/gpio-inputs.js";
import { GpioRelay } from "../../device/drivers/gpio/gpio-relay.js";
import { DEFAULT_WIEGAND_TIMING } from "../../device/drivers/gpio/wiegand-decoder.js";
import { WiegandReader } from "../../device/drivers/gpio/wiegand-reader.js";
import { processTimers } from "../../device/drivers/process/child-process.js";
import { FakeGpioChip } from "../support/fake-gpiochip.js";
import { waitUntil } from "../support/mjpeg-server.js";
import { addUs, cardBits, frameEdges, keyBits } from "../support/wiegand-signal.js";

const RELAY = 3;
const DOOR = 6;
const EXIT = 7;

let kernelTime = { sec: 20_000, nsec: 0 };
function later(ms: number) {
  kernelTime = addUs(kernelTime, ms * 1000);
  return kernelTime;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What every GPIO fixture shares: the chip, its unplugging, and settle(). */
function chipFixture(device: HardwareDevice, chip: FakeGpioChip, delivered: () => number, watched: number | null, idle: () => Promise<void> = async () => {}) {
  let expected: DeviceStatus = "connected";
  let given = 0;
  let dropped = 0;
  return {
    chip,
    /** Counts one stimulus given now (delivered if connected). */
    gave: () => (expected === "connected" ? given++ : dropped++),
    disconnect: () => {
      chip.unplug();
      expected = "disconnected";
    },
    reconnect: () => {
      chip.plugIn();
      expected = "connected";
    },
    settle: async () => {
      await waitUntil(() => device.status === expected, 15_000, `${device.id} ${expected}`);
      // The fake gpiomon (a node process) may take longer to open its lines than the driver's 200 ms confirmation.
      if (expected === "connected" && watched !== null) await waitUntil(() => chip.heldBy(watched) === "gpiomon", 15_000, "gpiomon watching");
      await idle();
      if (expected === "disconnected" || dropped > 0) {
        dropped = 0;
        await sleep(300);
      }
      if (expected === "connected") {
        await waitUntil(() => delivered() >= given, 5_000, "delivery").catch(() => {});
        given = delivered();
      }
    },
  };
}

doorRelayContract({
  name: "GPIO relay (gpioset guard, fake chip)",
  create: async ({ clock, timers }) => {
    const chip = new FakeGpioChip();
    const relay = new GpioRelay({ id: "lobby.relay", chip: "gpiochip0", line: RELAY, active: "high", maxUnlockMs: 30_000, spawn: chip.spawn, timers, ioTimers: processTimers, clock, logger: silentLogger, backoff: { initialMs: 100, maxMs: 400 }, watchMs: 200 });
    await relay.start();
    const base = chipFixture(relay, chip, () => 0, null, () => relay.idle());
    return {
      ...base,
      device: relay,
      unlocked: () => chip.value(RELAY) === 1,
      close: async () => {
        await relay.close();
        chip.remove();
      },
    };
  },
});

function inputs(clock: { now(): number }) {
  const chip = new FakeGpioChip();
  chip.setLevel(DOOR, 0);
  chip.setLevel(EXIT, 1);
  const ctx = { clock, timers: processTimers };
  const door = new GpioDoorSensor("lobby.door-sensor", { offset: DOOR, active: "high", debounceMs: 30 }, ctx);
  const exit = new GpioExitButton("lobby.exit-button", { offset: EXIT, active: "low", debounceMs: 30 }, ctx);
  const group = new InputGroup({ chip: "gpiochip0", bias: "pull-up", inputs: [door, exit], spawn: chip.spawn, timers: processTimers, clock, logger: silentLogger });
  group.start();
  const close = async () => {
    await group.stop();
    chip.remove();
  };
  return { chip, door, exit, close };
}

/** The edges of a contact that bounces 0.4 ms apart before it settles on `final`. */
function bounce(offset: number, final: 0 | 1, count = 3) {
  const start = later(500);
  return Array.from({ length: count + 1 }, (_, i) => {
    const level = (count - i) % 2 === 0 ? final : 1 - final;
    return { offset, rising: level === 1, ...addUs(start, i * 400) };
  });
}

doorSensorContract({
  name: "GPIO door sensor (gpiomon, fake chip)",
  create: async ({ clock }) => {
    const io = inputs(clock);
    await waitUntil(() => io.door.status === "connected" && io.chip.heldBy(DOOR) === "gpiomon", 20_000, "connected");
    let changes = 0;
    io.door.onChange(() => changes++);
    const base = chipFixture(io.door, io.chip, () => changes, DOOR);
    return {
      ...base,
      device: io.door,
      move: (state: DoorState) => {
        const level = state === "open" ? 1 : 0;
        if (io.chip.value(DOOR) === level) return;
        base.gave();
        // Unplugged, nobody watches the edges: the line just takes its level.
        if (io.door.status === "connected") io.chip.emit(bounce(DOOR, level));
        else io.chip.setLevel(DOOR, level);
      },
      close: io.close,
    };
  },
});

exitButtonContract({
  name: "GPIO exit button (gpiomon, fake chip)",
  create: async ({ clock }) => {
    const io = inputs(clock);
    await waitUntil(() => io.exit.status === "connected" && io.chip.heldBy(EXIT) === "gpiomon", 20_000, "connected");
    let presses = 0;
    io.exit.onPress(() => presses++);
    const base = chipFixture(io.exit, io.chip, () => presses, EXIT);
    return {
      ...base,
      device: io.exit,
      // Pressed (the line idles high, active low), and released once the press is seen:
      // the debounce would take a press and release given at once for no movement.
      push: async () => {
        const before = presses;
        base.gave();
        if (io.exit.status !== "connected") return;
        io.chip.emit(bounce(EXIT, 0));
        await waitUntil(() => presses > before, 5_000, "the press").catch(() => {});
        io.chip.emit(bounce(EXIT, 1));
        await sleep(150);
      },
      close: io.close,
    };
  },
});

function wiegand(clock: { now(): number }) {
  const chip = new FakeGpioChip();
  const logs = new MemoryLogSink();
  const reader = new WiegandReader({
    cardReaderId: "lobby.card-reader",
    keypadId: "lobby.keypad",
    chip: "gpiochip0",
    d0: 4,
    d1: 5,
    active: "low",
    bias: "pull-up",
    timing: DEFAULT_WIEGAND_TIMING,
    flushMs: 50,
    cardFormat: "hex",
    spawn: chip.spawn,
    timers: processTimers,
    clock,
    logger: createLogger({ sink: logs.sink, level: "debug" }),
  });
  reader.start();
  const close = async () => {
    await reader.stop();
    chip.remove();
  };
  return { chip, reader, logs, close };
}

/** Card numbers as the Wiegand reader reports them (hex of the 26-bit frame's 24 data bits). */
const CARDS: Record<string, bigint> = { "010001": 0x010001n, "7B11D7": 0x7b11d7n };

cardReaderContract({
  name: "Wiegand card reader (gpiomon, fake chip)",
  create: async ({ clock }) => {
    const w = wiegand(clock);
    await waitUntil(() => w.reader.cardReader.status === "connected" && w.chip.heldBy(5) === "gpiomon", 20_000, "connected");
    let reads = 0;
    w.reader.cardReader.onCard(() => reads++);
    const base = chipFixture(w.reader.cardReader, w.chip, () => reads, 5);
    return {
      ...base,
      device: w.reader.cardReader,
      cards: ["010001", "7B11D7"],
      present: (card: string) => {
        base.gave();
        w.chip.emit(frameEdges(cardBits(CARDS[card]!, 26), later(300)));
      },
      logText: () => w.logs.text(),
      close: w.close,
    };
  },
});

keypadContract({
  name: "Wiegand keypad (8-bit codes, gpiomon, fake chip)",
  create: async ({ clock }) => {
    const w = wiegand(clock);
    await waitUntil(() => w.reader.keypad.status === "connected" && w.chip.heldBy(5) === "gpiomon", 20_000, "connected");
    let keys = 0;
    w.reader.keypad.onKey(() => keys++);
    const base = chipFixture(w.reader.keypad, w.chip, () => keys, 5);
    return {
      ...base,
      device: w.reader.keypad,
      press: (key: KeypadKey) => {
        base.gave();
        w.chip.emit(frameEdges(keyBits(key, 8), later(300)));
      },
      logText: () => w.logs.text(),
      close: w.close,
    };
  },
});
