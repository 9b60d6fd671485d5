/**
 * The facegate protocol, contract v2: everything that crosses the broker, shared by the
 * device and every operator-side program (operator client, site service, console). Pure
 * and platform-free: types, schemas, topic rules, canonical JSON and the bytes each
 * signature covers. Signing and checking signatures is sdk/crypto's business; the MQTT
 * connection is sdk/transport's. `CONTRACT.md` beside this file documents it for everyone
 * else, and `schemas/` holds the published JSON Schemas.
 *
 * @module facegate/protocol
 */
export * from "./audit-document.js";
export * from "./base64.js";
export * from "./canonical-json.js";
export * from "./command-bodies.js";
export * from "./command-envelope.js";
export * from "./command-error.js";
export * from "./command-results.js";
export * from "./common-schemas.js";
export * from "./deletion-receipt.js";
export * from "./event-category.js";
export * from "./json-depth.js";
export * from "./messages.js";
export * from "./schedule-window.js";
export * from "./site-certificate.js";
export * from "./template-package.js";
export * from "./topics.js";
