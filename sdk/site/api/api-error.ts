/**
 * Errors of the site's HTTP API and how every failure becomes a response: always JSON
 * `{ error: { code, message } }`, with a stable code and the HTTP status that fits it.
 * FacegateErrors of the service and the store keep their own codes (their messages name
 * ids and fields, never a card number, PIN, photo or key); anything else is a 500
 * `internal_error` whose message says nothing about the inside.
 */
import { FacegateError } from "../../errors.js";

export type ApiErrorCode =
  | "unauthenticated"
  | "session_expired"
  | "forbidden"
  | "login_failed"
  | "login_rate_limited"
  | "request_invalid"
  | "request_malformed"
  | "unsupported_media_type"
  | "payload_too_large"
  | "not_found"
  | "operator_name_taken"
  | "certificate_not_issued"
  | "internal_error";

export class ApiError extends FacegateError<ApiErrorCode> {
  constructor(code: ApiErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}

/** The HTTP status of each stable code; codes not named here are 400 (bad input) when they come from a FacegateError. */
const STATUS: Readonly<Record<string, number>> = {
  unauthenticated: 401,
  session_expired: 401,
  login_failed: 401,
  forbidden: 403,
  login_rate_limited: 429,
  request_invalid: 400,
  request_malformed: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  not_found: 404,
  operator_name_taken: 409,
  certificate_not_issued: 409,
  internal_error: 500,
  // service and store (a `site_unknown_*` is a body naming something that does not exist: 400;
  // a route's own resource that does not exist is `not_found`, 404)
  site_duplicate: 409,
  site_gate_key_mismatch: 409,
  site_subject_tombstoned: 409,
  site_no_consent: 409,
  site_deletion_incomplete: 409,
  site_service_not_started: 503,
  site_store_closed: 503,
};

export interface ApiErrorBody {
  error: { code: string; message: string };
}

/** Status and body for any thrown value. */
export function toErrorResponse(err: unknown): { status: number; body: ApiErrorBody } {
  if (err instanceof FacegateError) {
    return { status: STATUS[err.code] ?? 400, body: { error: { code: err.code, message: err.message } } };
  }
  return { status: 500, body: { error: { code: "internal_error", message: "the request could not be completed; the service log has the details" } } };
}

export function statusOf(code: string): number {
  return STATUS[code] ?? 400;
}
