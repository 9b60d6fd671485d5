/**
 * A whole gate's worth of simulated hardware behind the sdk/hal contracts, with the test
 * hooks in one place: presentFace, leave, swipe, typePin, press, pressExit, openDoor,
 * forceDoor, closeDoor, disconnect/reconnect, and the observations (relay pulses,
 * display history, indicator signals).
 */
import type { GateHardware } from "../sdk/hal/gate-hardware.js";
import type { Clock } from "../sdk/time/clock.js";
import { type FrameRegion, SimCamera } from "./devices/sim-camera.js";
import { SimCardReader } from "./devices/sim-card-reader.js";
import { SimDisplay } from "./devices/sim-display.js";
import { SimDoorRelay } from "./devices/sim-door-relay.js";
import { SimDoorSensor } from "./devices/sim-door-sensor.js";
import { SimExitButton } from "./devices/sim-exit-button.js";
import { SimIndicator } from "./devices/sim-indicator.js";
import { SimKeypad } from "./devices/sim-keypad.js";

export type SimDeviceName = "camera" | "cardReader" | "keypad" | "relay" | "display" | "doorSensor" | "exitButton" | "indicator";

export const SIM_DEVICE_NAMES: readonly SimDeviceName[] = ["camera", "cardReader", "keypad", "relay", "display", "doorSensor", "exitButton", "indicator"];

export class SimulatedHardware implements GateHardware {
  readonly camera: SimCamera;
  readonly cardReader: SimCardReader;
  readonly keypad: SimKeypad;
  readonly relay: SimDoorRelay;
  readonly display: SimDisplay;
  readonly doorSensor: SimDoorSensor;
  readonly exitButton: SimExitButton;
  readonly indicator: SimIndicator;

  constructor(
    readonly gateId: string,
    readonly clock: Clock,
  ) {
    this.camera = new SimCamera(`${gateId}.camera`, clock);
    this.cardReader = new SimCardReader(`${gateId}.card-reader`, clock);
    this.keypad = new SimKeypad(`${gateId}.keypad`, clock);
    this.relay = new SimDoorRelay(`${gateId}.relay`, clock);
    this.display = new SimDisplay(`${gateId}.display`, clock);
    this.doorSensor = new SimDoorSensor(`${gateId}.door-sensor`, clock);
    this.exitButton = new SimExitButton(`${gateId}.exit-button`, clock);
    this.indicator = new SimIndicator(`${gateId}.indicator`, clock);
  }

  /** How long a presented person stands at the door: frames, and what the camera waits for between them. */
  private presence: { frames: number; between: () => Promise<void> } | null = null;

  /** A presented face stays for `frames` frames, each after `between()` (e.g. the gate's idle). */
  standFor(frames: number, between: () => Promise<void>): void {
    this.presence = { frames, between };
  }

  presentFace(path: string, options?: { encoded?: boolean; region?: FrameRegion }): Promise<boolean> {
    return this.camera.presentFace(path, { ...options, ...(this.presence ?? {}) });
  }
  leave(): void {
    this.camera.leave();
  }
  swipe(cardNumber: string): boolean {
    return this.cardReader.swipe(cardNumber);
  }
  press(key: string): boolean {
    return this.keypad.press(key);
  }
  typeKeys(keys: string): boolean {
    return this.keypad.typeKeys(keys);
  }
  typePin(pin: string, code?: string): boolean {
    return this.keypad.typePin(pin, code);
  }
  pressExit(): boolean {
    return this.exitButton.pressExit();
  }
  openDoor(): boolean {
    return this.doorSensor.openDoor();
  }
  forceDoor(): boolean {
    return this.doorSensor.forceDoor();
  }
  closeDoor(): boolean {
    return this.doorSensor.closeDoor();
  }
  disconnect(device: SimDeviceName): void {
    this[device].disconnect();
  }
  reconnect(device: SimDeviceName): void {
    this[device].reconnect();
  }

  get pulses(): SimDoorRelay["pulses"] {
    return this.relay.pulses;
  }
}
