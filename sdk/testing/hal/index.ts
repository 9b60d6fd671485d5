/**
 * Contract suites for implementations of the hardware contracts in sdk/hal: one per kind
 * of device, run with vitest over a simulated device or a real driver. Each suite's doc
 * comment says what its factory must provide; hal-kit.ts says what every hardware
 * factory provides, ../contract-kit.ts how a suite runs and moves time.
 */
export * from "../contract-kit.js";
export * from "./hal-kit.js";
export { type InputProbe, deviceObligations } from "./device-obligations.js";
export * from "./camera-contract.js";
export * from "./card-reader-contract.js";
export * from "./keypad-contract.js";
export * from "./door-relay-contract.js";
export * from "./door-sensor-contract.js";
export * from "./exit-button-contract.js";
export * from "./display-contract.js";
export * from "./indicator-contract.js";
