export * from "./access-store.js";
export * from "./migrations.js";
export * from "./person-input.js";
export { type PinHashing, interactivePinHashing, minimalPinHashing } from "./secrets.js";
