/**
 * What every EventRecorder refuses (event.ts): an event that is malformed, or that
 * carries biometric or binary data, which would be a bug upstream (L4). The outbox and
 * the in-memory recorder run the same check, so a test recording in memory fails where
 * the device would.
 */
import { TransportError } from "../errors.js";
import { EVENT_CATEGORIES } from "../protocol/event-category.js";
import type { FacegateEvent } from "./event.js";

/** Largest serialised event a recorder keeps (the outbox's default bound on its wire message). */
export const MAX_EVENT_BYTES = 16 * 1024;

const BIOMETRIC_NAME = /^(embedding|template|vector|image|photo|frame|face_?data|descriptor|features?)$/i;
const EVENT_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

function assertNoBiometrics(value: unknown, path: string, depth = 0): void {
  if (depth > 16) throw new TransportError("event_invalid", `${path}: nested too deeply`);
  if (value === null || typeof value !== "object") {
    if (typeof value === "function" || typeof value === "bigint" || typeof value === "symbol") throw new TransportError("event_invalid", `${path}: not JSON`);
    return;
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) throw new TransportError("event_invalid", `${path}: binary data never goes into an event (L4)`);
  if (Array.isArray(value)) {
    if (value.length > 64 && value.every((v) => typeof v === "number")) throw new TransportError("event_invalid", `${path}: long numeric arrays never go into an event (L4)`);
    value.forEach((v, i) => assertNoBiometrics(v, `${path}[${i}]`, depth + 1));
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    if (BIOMETRIC_NAME.test(k)) throw new TransportError("event_invalid", `${path}.${k}: biometric data never goes into an event (L4)`);
    assertNoBiometrics(v, `${path}.${k}`, depth + 1);
  }
}

/** Throws TransportError `event_invalid` unless the event may be recorded. */
export function checkEvent(event: FacegateEvent): void {
  if (typeof event.id !== "string" || !EVENT_ID.test(event.id)) throw new TransportError("event_invalid", "event.id: must be 1-128 characters of [A-Za-z0-9_.:-]");
  if (!EVENT_CATEGORIES.includes(event.category)) throw new TransportError("event_invalid", `event.category: unknown '${String(event.category)}'`);
  if (typeof event.type !== "string" || event.type.length === 0 || event.type.length > 64) throw new TransportError("event_invalid", "event.type: must be 1-64 characters");
  assertNoBiometrics(event.data, "event.data");
}
