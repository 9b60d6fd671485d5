export * from "./ports.js";
export * from "./gate-controller.js";
export * from "./gate-settings.js";
export * from "./keypad-protocol.js";
export * from "./display-texts.js";
export * from "./gate-events.js";
