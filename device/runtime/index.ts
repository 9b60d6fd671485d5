/**
 * The package's main entry point (`import ... from "facegate"`): what a terminal maker
 * needs to run a gate on their own board with their own drivers.
 *
 * - `startGateRuntime(options)` wires the SDK to a `GateHardware` (the drivers, see
 *   `facegate/hal` for the contracts and `facegate/testing` for their suites): secure
 *   store, outbox, vault, gate, face pipeline, MQTT link and command processor.
 * - The device configuration (`parseDeviceConfig`, `loadDeviceConfig`; the JSON Schema is
 *   `facegate schema config`). `models.dir` points the runtime at a folder of face
 *   models; without it, FACEGATE_MODELS_DIR or the package's own `models/files`.
 * - The face models: `fetchModels` fetches and verifies them into a folder (the package's
 *   install does it for its default folder), `checkModels` checks one.
 * - The clock, timers, logger and key provider the runtime takes (passed in, never read
 *   from globals), the built-in drivers of the configuration (`createDeviceDrivers`), and
 *   the error classes with their codes.
 *
 * Everything exported here is public API, versioned by CHANGELOG.md.
 *
 * @module facegate
 */
export { startGateRuntime, type GateRuntime, type GateRuntimeOptions } from "./gate-runtime.js";
export { systemTimers } from "./system-timers.js";
export { CONFIG_VERSION, loadDeviceConfig, parseDeviceConfig, type DeviceConfig, type OperatorKeyEntry } from "../config/device-config.js";
export { createDeviceDrivers, type DeviceDrivers } from "../drivers/create-drivers.js";
export { DEFAULT_GATE_SETTINGS, type GateSettings } from "../../sdk/gate/gate-settings.js";
export type { GateHardware } from "../../sdk/hal/gate-hardware.js";
export { type Clock, ManualClock, systemClock } from "../../sdk/time/clock.js";
export type { ClearTimer, SetTimer, TimerHandle, Timers } from "../../sdk/time/timers.js";
export { ManualTimers } from "../../sdk/time/manual-timers.js";
export { type CreateLoggerOptions, type LogFields, type LogLevel, type LogRecord, type LogSink, type Logger, MemoryLogSink, createLogger, jsonLineSink, silentLogger } from "../../sdk/log/logger.js";
export { FileKeyProvider, type FileKeyProviderOptions, type KeyProvider } from "../../sdk/crypto/key-provider.js";
export { type ModelEntry, type ModelManifest, type ModelName, MODEL_NAMES, defaultModelsDir, loadManifest } from "../../models/manifest.js";
export { type ModelCheck, checkModels } from "../../models/verify.js";
export { type FetchOptions, type FetchResult, fetchModels } from "../../models/fetch.js";
export * from "../../sdk/errors.js";
// The types the runtime's parts and options are made of (what GateRuntime exposes).
export type { AccessStore, PinHashing } from "../../sdk/access/index.js";
export type { CommandProcessor } from "../../sdk/commands/processor.js";
export type { ProcessingNoticeContent } from "../../sdk/consent/notice.js";
export type { EventRecorder, FacegateEvent } from "../../sdk/events/event.js";
export type { GateController } from "../../sdk/gate/gate-controller.js";
export type { FaceAnalyzer } from "../../sdk/gate/ports.js";
export type { GalleryIndex } from "../../sdk/matcher/gallery-index.js";
export type { FaceThresholds } from "../../sdk/policy/decision.js";
export type { GatePolicy } from "../../sdk/policy/gate-policy.js";
export type { SecureStore } from "../../sdk/privacy/secure-store.js";
export type { DeviceLink } from "../../sdk/transport/device-link.js";
export type { Outbox } from "../../sdk/transport/outbox.js";
export type { FacePipeline } from "../../sdk/vision/index.js";
export type { StorePrivacyDesk } from "./privacy-desk.js";
