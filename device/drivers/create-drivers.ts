/**
 * Builds the gate's hardware from the configuration's `drivers` (device/config/
 * drivers-config.ts): each device from its own driver, the simulated ones (the default)
 * among them; the runtime cannot tell them apart. Device ids are the simulated
 * hardware's (`<gate>.card-reader`, `<gate>.relay`, ...). The OSDP bus opens and its
 * readers connect in the background (disconnected until then, in the Secure Channel
 * unless the configuration says `secureChannel: false`); the GPIO relay is claimed
 * (driven locked) and the inputs watched before `createDeviceDrivers` resolves; the
 * camera starts its ffmpeg. `close()` stops them all, the relay locked.
 */
import type { Camera } from "../../sdk/hal/camera.js";
import type { CardReader } from "../../sdk/hal/card-reader.js";
import type { Display } from "../../sdk/hal/display.js";
import type { DoorRelay } from "../../sdk/hal/door-relay.js";
import type { DoorSensor } from "../../sdk/hal/door-sensor.js";
import type { ExitButton } from "../../sdk/hal/exit-button.js";
import type { GateHardware } from "../../sdk/hal/gate-hardware.js";
import type { Indicator } from "../../sdk/hal/indicator.js";
import type { Keypad } from "../../sdk/hal/keypad.js";
import { type Logger, silentLogger } from "../../sdk/log/logger.js";
import type { Clock } from "../../sdk/time/clock.js";
import { SimulatedHardware } from "../../simulator/sim-hardware.js";
import type { DeviceConfig } from "../config/device-config.js";
import type { DriversConfig } from "../config/drivers-config.js";
import { createCameraDriver } from "./camera/create-camera-driver.js";
import { createGpioDrivers } from "./gpio/create-gpio-drivers.js";
import type { GpioSettings } from "./gpio/gpio-settings.js";
import { type OsdpDrivers, type OsdpReaderDevices, createOsdpDrivers } from "./osdp/create-osdp-drivers.js";
import type { OsdpReaderEvent } from "./osdp/reader-events.js";
import type { DriverTimers, SpawnFn } from "./process/child-process.js";

export interface DeviceDrivers {
  hardware: GateHardware;
  /** The OSDP bus, when a device uses it (its readers' states and events, for doctor and alarms). */
  osdp?: OsdpDrivers;
  close(): Promise<void>;
}

export interface DeviceDriverOptions {
  logger?: Logger;
  /** For the drivers' tools and polls; default: the process timers. */
  timers?: DriverTimers;
  spawn?: SpawnFn;
  /** Each OSDP reader event (offline, Secure Channel failures, tamper). */
  onOsdpEvent?: (event: OsdpReaderEvent) => void;
}

export async function createDeviceDrivers(config: DeviceConfig, clock: Clock, options: DeviceDriverOptions = {}): Promise<DeviceDrivers> {
  const sim = new SimulatedHardware(config.gateId, clock);
  if (config.drivers === "simulated") return { hardware: sim, close: async () => {} };
  const d: DriversConfig = config.drivers;
  const logger = options.logger ?? silentLogger;
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch((err: unknown) => logger.error("closing a driver failed", { error: err as Error }));
  };
  try {
    let osdp: OsdpDrivers | undefined;
    const reader = (address: number): OsdpReaderDevices => {
      if (!osdp) {
        osdp = createOsdpDrivers(d.osdp!, { clock, logger, idPrefix: config.gateId, ...(options.timers ? { timers: options.timers } : {}) });
        if (options.onOsdpEvent) osdp.onEvent(options.onOsdpEvent);
        const bus = osdp;
        closers.push(() => bus.close());
      }
      return osdp.readers.find((r) => r.address === address)!;
    };
    const gpioSettings: GpioSettings = {
      ...(d.relay.kind === "gpio" ? { relay: d.relay.settings } : {}),
      ...(d.doorSensor.kind === "gpio" ? { doorSensor: d.doorSensor.settings } : {}),
      ...(d.exitButton.kind === "gpio" ? { exitButton: d.exitButton.settings } : {}),
      ...(d.tamper.kind === "gpio" ? { tamper: d.tamper.settings } : {}),
      ...(d.wiegand && (d.cardReader.kind === "wiegand" || d.keypad.kind === "wiegand") ? { wiegand: d.wiegand } : {}),
    };
    const gpio = Object.keys(gpioSettings).length > 0 ? createGpioDrivers({ settings: gpioSettings, gateId: config.gateId, clock, logger, ...(options.timers ? { timers: options.timers } : {}), ...(options.spawn ? { spawn: options.spawn } : {}) }) : undefined;
    if (gpio) closers.push(() => gpio.close());

    const cardReader: CardReader = d.cardReader.kind === "osdp" ? reader(d.cardReader.address).cardReader : d.cardReader.kind === "wiegand" ? gpio!.cardReader! : sim.cardReader;
    const keypad: Keypad = d.keypad.kind === "osdp" ? reader(d.keypad.address).keypad : d.keypad.kind === "wiegand" ? gpio!.keypad! : sim.keypad;
    const indicator: Indicator = d.indicator.kind === "osdp" ? reader(d.indicator.address).indicator : sim.indicator;
    const display: Display = d.display.kind === "osdp" ? reader(d.display.address).display! : sim.display;
    const relay: DoorRelay = d.relay.kind === "gpio" ? gpio!.relay! : sim.relay;
    const doorSensor: DoorSensor = d.doorSensor.kind === "gpio" ? gpio!.doorSensor! : sim.doorSensor;
    const exitButton: ExitButton = d.exitButton.kind === "gpio" ? gpio!.exitButton! : sim.exitButton;
    let camera: Camera = sim.camera;
    if (d.camera.kind === "ffmpeg") {
      const ffmpeg = createCameraDriver({ settings: d.camera.settings, gateId: config.gateId, clock, logger, ...(options.timers ? { timers: options.timers } : {}), ...(options.spawn ? { spawn: options.spawn } : {}) });
      closers.push(() => ffmpeg.close());
      ffmpeg.start();
      camera = ffmpeg;
    }
    await gpio?.start();
    const tamper = d.tamper.kind === "gpio" ? gpio!.tamper : undefined;
    const result: DeviceDrivers = { hardware: { camera, cardReader, keypad, relay, display, doorSensor, exitButton, indicator, ...(tamper ? { tamper } : {}) }, close };
    if (osdp) result.osdp = osdp;
    return result;
  } catch (err) {
    await close();
    throw err;
  }
}
