export * from "./gate-policy.js";
export * from "./schedule.js";
export * from "./rights.js";
export * from "./pin-lockout.js";
export * from "./door-alarms.js";
export * from "./decision.js";
