/**
 * The property operator's side (`facegate/operator`): the MQTT client that sends signed
 * commands and awaits the device's signed results, watches events, gate state and
 * notices, builds and signs command envelopes, downloads and checks a gate's audit log,
 * and reads or writes an operator's key file.
 *
 * @module facegate/operator
 */
export * from "./operator-client.js";
export * from "./command-builder.js";
export * from "./audit-download.js";
export * from "./until-answered.js";
export * from "./key-file.js";
export { DuplicateFilter } from "./duplicate-filter.js";
export type { Ed25519KeyPair } from "../crypto/keys.js";
export type { BackoffOptions } from "../transport/connection.js";
