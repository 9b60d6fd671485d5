/**
 * The hardware contracts (`facegate/hal`): what a driver implements for the gate, one
 * interface per kind of device, each file stating its obligations (checked by the suites
 * of `facegate/testing`), and `DeviceBase` for the status every device reports.
 *
 * @module facegate/hal
 */
export * from "./device.js";
export * from "./camera.js";
export * from "./card-reader.js";
export * from "./keypad.js";
export * from "./door-relay.js";
export * from "./door-sensor.js";
export * from "./exit-button.js";
export * from "./display.js";
export * from "./indicator.js";
export * from "./tamper-switch.js";
export * from "./gate-hardware.js";
export * from "./device-base.js";
