/**
 * Simulated devices (`facegate/simulator`) behind the sdk/hal contracts, for bringing up
 * a board before every driver exists (a real camera with a simulated reader and relay)
 * and for tests: each device has hooks that act as the world (swipe, typePin, press,
 * openDoor, disconnect) and observations (relay pulses, display history).
 *
 * @module facegate/simulator
 */
export { SIM_DEVICE_NAMES, type SimDeviceName, SimulatedHardware } from "./sim-hardware.js";
export { CAMERA_FRAME, type FrameRegion, SimCamera, decodeToRgbFrame } from "./devices/sim-camera.js";
export { SimCardReader } from "./devices/sim-card-reader.js";
export { SimDevice } from "./devices/sim-device.js";
export { type ShownMessage, SimDisplay } from "./devices/sim-display.js";
export { type RelayPulse, SimDoorRelay } from "./devices/sim-door-relay.js";
export { SimDoorSensor } from "./devices/sim-door-sensor.js";
export { SimExitButton } from "./devices/sim-exit-button.js";
export { SimIndicator } from "./devices/sim-indicator.js";
export { SimKeypad } from "./devices/sim-keypad.js";
