/**
 * The device's handlers for the operator commands that act on people, consent, face data
 * and gate policy. The composition root calls `registerDeviceHandlers` once, next to
 * `registerBuiltinHandlers` (gate.status, audit.export, operator keys).
 *
 * | command            | does                                                        | file                |
 * | ------------------ | ----------------------------------------------------------- | ------------------- |
 * | notice.publish     | publishes the processing notice, hands it to the link (L3)   | privacy-handlers.ts |
 * | consent.record     | records a separate face consent (L1, L9, L10)                | privacy-handlers.ts |
 * | consent.withdraw   | ends consent and deletes face data, signed receipt (L7)      | privacy-handlers.ts |
 * | subject.delete     | deletes face data, signed receipt (L7)                       | privacy-handlers.ts |
 * | person.upsert      | replaces rights and cards/PIN; face never the only way (L2)  | person-handlers.ts  |
 * | person.end_access  | removes the person and deletes their face data (L7)          | person-handlers.ts  |
 * | enroll.photo       | enrolls from a sealed photo, never kept (L1, L4)             | enroll-handlers.ts  |
 * | enroll.at_gate     | asks the gate to enroll from its camera (L1)                 | enroll-handlers.ts  |
 * | policy.set         | sets gate policies; face-only refused (L2)                   | policy-handlers.ts  |
 * | site.gates         | stores the site's gates and pinned keys (admin, issue 14)    | sync-handlers.ts    |
 * | template.export    | seals the subject's templates for other gates of the site   | sync-handlers.ts    |
 * | template.install   | installs a sealed package from another gate, after checks    | sync-handlers.ts    |
 */
import { registerEnrollHandlers } from "./enroll-handlers.js";
import type { DeviceHandlerDeps, HandlerRegistry } from "./deps.js";
import { PersonFlags } from "./person-flags.js";
import { registerPersonHandlers } from "./person-handlers.js";
import { registerPolicyHandlers } from "./policy-handlers.js";
import { registerPrivacyHandlers } from "./privacy-handlers.js";
import { registerSyncHandlers } from "./sync-handlers.js";

export type { AccessAdmin, AnalyzedPhotoFace, AtGateInvitation, DeviceHandlerDeps, HandlerRegistry, PhotoAnalyzer, RequestAtGateEnrollment } from "./deps.js";
export { FACE_ONLY_CODE } from "./deps.js";
export { PersonFlags, deviceHandlerMigrations } from "./person-flags.js";
export { DEFAULT_AT_GATE_WINDOW_SECONDS, type EnrollPhotoResult } from "./enroll-handlers.js";
export { END_ACCESS_TOLERANCE_MS, type PersonEndAccessResult, type PersonUpsertResult } from "./person-handlers.js";
export { DEFAULT_NOTICE_LANGUAGE } from "./privacy-handlers.js";
export { SyncRecords, templateSyncMigrations, type SiteGateKeys } from "./sync-records.js";

/**
 * Registers the handlers for person.*, notice.publish, consent.*, subject.delete,
 * enroll.* and policy.set. Creates the handlers' one table (person flags) if the store
 * was opened without `deviceHandlerMigrations`. `enroll.photo` needs `deps.pipeline`,
 * `enroll.at_gate` needs `deps.requestAtGateEnrollment`; without them they stay
 * unregistered and the processor answers `command_unsupported`.
 */
export function registerDeviceHandlers(processor: HandlerRegistry, deps: DeviceHandlerDeps): void {
  const log = deps.logger.child("handlers");
  const flags = PersonFlags.open(deps.store.db);
  registerPrivacyHandlers(processor, deps, flags, log);
  registerPersonHandlers(processor, deps, flags, log);
  registerEnrollHandlers(processor, deps, log);
  registerPolicyHandlers(processor, deps, log);
  registerSyncHandlers(processor, deps, log);
}
