/**
 * Why the device refused or failed a command: the `error.code` of a command result. The
 * envelope and admission codes are fixed by the contract; handlers add codes of their own
 * (`not_found`, `template_limit`, ...), which consumers treat as opaque strings.
 */
import { FacegateError } from "../errors.js";

export const COMMAND_ERROR_CODES = [
  "command_oversized",
  "command_malformed",
  "command_unknown_field",
  "command_unsigned",
  "command_unknown_key",
  "command_key_revoked",
  "command_bad_signature",
  "command_misaddressed",
  "command_expired",
  "command_not_yet_valid",
  "command_ttl_too_long",
  "command_replayed",
  "command_clock_behind",
  "command_unknown_type",
  "command_forbidden",
  "command_unsealable",
  "command_invalid_body",
  "command_unsupported",
  "command_interrupted",
  "command_failed",
] as const;

export type CommandErrorCode = (typeof COMMAND_ERROR_CODES)[number];

/** Codes a device's handlers answer with besides the contract's own. */
export type HandlerErrorCode =
  | "access_face_only"
  | "not_found"
  | "handler_exists"
  | "last_admin_key"
  | "policy_missing"
  | "end_access_scheduled_unsupported"
  | "keypad_codes_exhausted"
  | "enroll_no_face"
  | "enroll_many_faces";

/** A command refused by the device or its handlers. */
export class CommandError extends FacegateError<CommandErrorCode | HandlerErrorCode> {}
