/**
 * The site service (issue 13): one process for one estate's office that runs every gate.
 *
 * @module facegate/site/service
 */
export * from "./site-service.js";
export * from "./site-service-error.js";
export type { DeletionState, DeletionStatus, SiteAlarm } from "./deletion-desk.js";
export { checkReceipt, type ReceiptCheck, type ReceiptExpectation } from "./receipt-check.js";
export { DELETE_REASON } from "./work-command.js";
export { TemplateRelay, type ReEnrollment, type TemplateSyncState } from "./template-relay.js";
export * from "./audit-collector.js";
export * from "./evidence-bundle.js";
export * from "./verify-evidence-bundle.js";
