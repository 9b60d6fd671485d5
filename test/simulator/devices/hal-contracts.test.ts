/**
 * The simulator's devices are an implementation of sdk/hal like any driver: every
 * hardware contract suite (sdk/testing/hal) runs over them. A simulated device delivers
 * at once, so `settle()` has nothing to wait for.
 */
import sharp from "sharp";
import { cameraContract, cardReaderContract, displayContract, doorRelayContract, doorSensorContract, exitButtonContract, indicatorContract, keypadContract } from "../../../sdk/testing/hal/index.js";
import { SimCamera } from "../../../simulator/devices/sim-camera.js";
import { SimCardReader } from "../../../simulator/devices/sim-card-reader.js";
import type { SimDevice } from "../../../simulator/devices/sim-device.js";
import { SimDisplay } from "../../../simulator/devices/sim-display.js";
import { SimDoorRelay } from "../../../simulator/devices/sim-door-relay.js";
import { SimDoorSensor } from "../../../simulator/devices/sim-door-sensor.js";
import { SimExitButton } from "../../../simulator/devices/sim-exit-button.js";
import { SimIndicator } from "../../../simulator/devices/sim-indicator.js";
import { SimKeypad } from "../../../simulator/devices/sim-keypad.js";

/** The parts of a fixture every simulated device gives the same way. */
function simFixture<D extends SimDevice>(device: D) {
  return {
    device,
    disconnect: () => device.disconnect(),
    reconnect: () => device.reconnect(),
    settle: async () => {},
    close: () => {},
  };
}

const RAW = { width: 4, height: 2, data: new Uint8Array(4 * 2 * 3).fill(128) };
const PNG = new Uint8Array(await sharp({ create: { width: 8, height: 8, channels: 3, background: "#808080" } }).png().toBuffer());

cameraContract({
  name: "SimCamera, raw RGB frames",
  create: async ({ clock }) => {
    const camera = new SimCamera("lobby.camera", clock);
    return { ...simFixture(camera), capture: () => void camera.presentFrame(RAW) };
  },
});

cameraContract({
  name: "SimCamera, encoded frames",
  create: async ({ clock }) => {
    const camera = new SimCamera("lobby.camera", clock);
    return { ...simFixture(camera), capture: () => void camera.presentFrame(PNG) };
  },
});

cardReaderContract({
  name: "SimCardReader",
  create: async ({ clock }) => {
    const reader = new SimCardReader("lobby.card-reader", clock);
    // The simulator has no logger: nothing it could leak a card number to.
    return { ...simFixture(reader), cards: ["2242469", "0A1B2C3D"], present: (card: string) => void reader.swipe(card), logText: () => "" };
  },
});

keypadContract({
  name: "SimKeypad",
  create: async ({ clock }) => {
    const keypad = new SimKeypad("lobby.keypad", clock);
    return { ...simFixture(keypad), press: (key: string) => void keypad.press(key), logText: () => "" };
  },
});

doorRelayContract({
  name: "SimDoorRelay",
  create: async ({ clock }) => {
    const relay = new SimDoorRelay("lobby.relay", clock);
    return { ...simFixture(relay), unlocked: () => relay.unlocked };
  },
});

doorSensorContract({
  name: "SimDoorSensor",
  create: async ({ clock }) => {
    const sensor = new SimDoorSensor("lobby.door-sensor", clock);
    return { ...simFixture(sensor), move: (state: "open" | "closed") => void (state === "open" ? sensor.openDoor() : sensor.closeDoor()) };
  },
});

exitButtonContract({
  name: "SimExitButton",
  create: async ({ clock }) => {
    const button = new SimExitButton("lobby.exit-button", clock);
    return { ...simFixture(button), push: () => void button.pressExit() };
  },
});

displayContract({
  name: "SimDisplay",
  create: async ({ clock }) => {
    const display = new SimDisplay("lobby.display", clock);
    return { ...simFixture(display), screen: () => display.current?.text ?? "" };
  },
});

indicatorContract({
  name: "SimIndicator",
  create: async ({ clock }) => {
    const indicator = new SimIndicator("lobby.indicator", clock);
    return { ...simFixture(indicator), pattern: () => indicator.pattern, returnsToIdleWithinMs: indicator.temporaryMs };
  },
});
