/**
 * The set of devices of one gate. Card reader, keypad, relay and display are required:
 * they carry the non-biometric way in (L2) and the resident's privacy menu (L11). The
 * camera is optional (a card-only gate has none); the door sensor, exit button and
 * indicator are optional too, and so is the tamper switch (the gate does not act on it
 * by itself: see tamper-switch.ts).
 */
import type { Camera } from "./camera.js";
import type { CardReader } from "./card-reader.js";
import type { Display } from "./display.js";
import type { DoorRelay } from "./door-relay.js";
import type { DoorSensor } from "./door-sensor.js";
import type { ExitButton } from "./exit-button.js";
import type { Indicator } from "./indicator.js";
import type { Keypad } from "./keypad.js";
import type { TamperSwitch } from "./tamper-switch.js";

export interface GateHardware {
  camera?: Camera;
  cardReader: CardReader;
  keypad: Keypad;
  relay: DoorRelay;
  display: Display;
  doorSensor?: DoorSensor;
  exitButton?: ExitButton;
  indicator?: Indicator;
  tamper?: TamperSwitch;
}
