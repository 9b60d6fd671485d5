/**
 * Builds the GPIO drivers named by the settings (gpio-settings.ts) for one gate, with
 * the same device ids as the simulated hardware (`<gate>.relay`, `<gate>.card-reader`,
 * ...). Inputs on the same chip and bias share one gpiomon. `start()` claims the relay
 * line (driving it locked) and starts watching the inputs; `close()` locks and stops.
 */
import type { CardReader } from "../../../sdk/hal/card-reader.js";
import type { DoorRelay } from "../../../sdk/hal/door-relay.js";
import type { DoorSensor } from "../../../sdk/hal/door-sensor.js";
import type { ExitButton } from "../../../sdk/hal/exit-button.js";
import type { Keypad } from "../../../sdk/hal/keypad.js";
import type { TamperSwitch } from "../../../sdk/hal/tamper-switch.js";
import type { Logger } from "../../../sdk/log/logger.js";
import type { Clock } from "../../../sdk/time/clock.js";
import { type DriverTimers, type SpawnFn, processSpawn, processTimers } from "../process/child-process.js";
import { type AnyGpioInput, GpioDoorSensor, GpioExitButton, GpioTamperSwitch, InputGroup } from "./gpio-inputs.js";
import { GpioRelay } from "./gpio-relay.js";
import type { GpioInputSettings, GpioSettings } from "./gpio-settings.js";
import type { GpioBias } from "./line-monitor.js";
import { WiegandReader } from "./wiegand-reader.js";

export interface GpioDrivers {
  relay?: DoorRelay;
  doorSensor?: DoorSensor;
  exitButton?: ExitButton;
  tamper?: TamperSwitch;
  cardReader?: CardReader;
  keypad?: Keypad;
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface CreateGpioDriversOptions {
  settings: GpioSettings;
  gateId: string;
  clock: Clock;
  logger: Logger;
  timers?: DriverTimers;
  spawn?: SpawnFn;
}

function inputLine(s: GpioInputSettings) {
  return { offset: s.line, active: s.active, debounceMs: s.debounceMs };
}

export function createGpioDrivers(o: CreateGpioDriversOptions): GpioDrivers {
  const { settings, gateId, clock } = o;
  const timers = o.timers ?? processTimers;
  const spawn = o.spawn ?? processSpawn;
  const logger = o.logger.child("gpio");
  const ctx = { clock, timers };
  const relay = settings.relay ? new GpioRelay({ id: `${gateId}.relay`, ...settings.relay, spawn, timers, clock, logger }) : undefined;
  const doorSensor = settings.doorSensor ? new GpioDoorSensor(`${gateId}.door-sensor`, inputLine(settings.doorSensor), ctx) : undefined;
  const exitButton = settings.exitButton ? new GpioExitButton(`${gateId}.exit-button`, inputLine(settings.exitButton), ctx) : undefined;
  const tamper = settings.tamper ? new GpioTamperSwitch(`${gateId}.tamper`, inputLine(settings.tamper), ctx) : undefined;

  const groups = new Map<string, { chip: string; bias: GpioBias; inputs: AnyGpioInput[] }>();
  for (const [input, s] of [
    [doorSensor, settings.doorSensor],
    [exitButton, settings.exitButton],
    [tamper, settings.tamper],
  ] as const) {
    if (!input || !s) continue;
    const key = `${s.chip}\u0000${s.bias}`;
    const group = groups.get(key) ?? { chip: s.chip, bias: s.bias, inputs: [] };
    group.inputs.push(input);
    groups.set(key, group);
  }
  const inputGroups = [...groups.values()].map((g) => new InputGroup({ ...g, spawn, timers, clock, logger }));

  const w = settings.wiegand;
  const wiegand = w
    ? new WiegandReader({
        cardReaderId: `${gateId}.card-reader`,
        keypadId: `${gateId}.keypad`,
        chip: w.chip,
        d0: w.d0,
        d1: w.d1,
        active: w.active,
        bias: w.bias,
        timing: { minPulseUs: w.minPulseUs, maxPulseUs: w.maxPulseUs, frameGapUs: w.frameGapMs * 1000 },
        flushMs: w.flushMs,
        cardFormat: w.cardFormat,
        spawn,
        timers,
        clock,
        logger,
      })
    : undefined;

  return {
    ...(relay ? { relay } : {}),
    ...(doorSensor ? { doorSensor } : {}),
    ...(exitButton ? { exitButton } : {}),
    ...(tamper ? { tamper } : {}),
    ...(wiegand ? { cardReader: wiegand.cardReader, keypad: wiegand.keypad } : {}),
    async start() {
      for (const g of inputGroups) g.start();
      wiegand?.start();
      await relay?.start();
    },
    async close() {
      await relay?.close();
      await wiegand?.stop();
      for (const g of inputGroups) await g.stop();
    },
  };
}
