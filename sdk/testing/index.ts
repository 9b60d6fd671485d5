/**
 * The contract suites for implementers (`facegate/testing`): one vitest suite per kind of
 * device in `facegate/hal`. A terminal maker runs the suite of a contract on their own
 * driver, in their own vitest run (vitest is a peer dependency of this entry point only):
 *
 *   import { cameraContract } from "facegate/testing";
 *   cameraContract({ name: "my camera", create: async ({ clock, timers }) => ({ device, capture, disconnect, reconnect, settle, close }) });
 *
 * Each suite's doc comment says what its factory provides; `checkObligation` runs one
 * obligation alone (e.g. to show that it fails on a driver that breaks it).
 *
 * @module facegate/testing
 */
export * from "./hal/index.js";
