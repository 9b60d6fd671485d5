/**
 * One error root for the whole SDK. Every subclass declares the union of its stable `code`s,
 * used in events, command results and CLI exit messages, so callers tell errors apart by
 * class and code, never by message text or ad-hoc flags. The CLI's exit code follows the
 * class (device/cli/cli-io.ts).
 *
 * Messages must never contain biometric data, keys, card numbers or PINs: they end up in
 * logs, command results and on the gate display.
 */
export class FacegateError<C extends string = string> extends Error {
  readonly code: C;
  /** Non-sensitive details that help an operator (file names, field paths, limits). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: C, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }

  toJSON(): { code: C; message: string; details: Readonly<Record<string, unknown>> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** Configuration or policy that cannot be loaded; `message` reads as `path: problem`. */
export class ConfigError extends FacegateError<"config_invalid"> {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super("config_invalid", message, details);
  }
}

/**
 * A configuration, policy or request that would make face the only way in (L2): refused
 * when loaded. A ConfigError, so everything that handles bad configuration handles it.
 */
export class FaceOnlyError extends ConfigError {}

/**
 * A face-alone policy whose target false-positive identification rate cannot be met at
 * the gallery's size (sdk/gate/face-alone-capacity.ts): refused when loaded, naming the
 * mode that can (card_then_face). A ConfigError, like FaceOnlyError.
 */
export class FaceAloneCapacityError extends ConfigError {}

/** A model file is missing, altered or unusable. */
export class ModelError extends FacegateError<"model_invalid"> {
  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super("model_invalid", message, details, options);
  }
}

export type ImageErrorCode = "image_corrupt" | "image_too_large" | "image_bad_shape" | "image_unsupported";

/** An image could not be decoded, is too large, or is otherwise unusable. */
export class ImageError extends FacegateError<ImageErrorCode> {
  constructor(code: ImageErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(code, message, details, options);
  }
}

export type ConsentErrorCode =
  | "consent_bundled"
  | "consent_expired"
  | "consent_guardian_required"
  | "consent_invalid"
  | "consent_irrevocable"
  | "consent_purpose"
  | "consent_term_too_long"
  | "consent_unlimited"
  | "consent_wrong_gate"
  | "consent_wrong_processor"
  | "consent_wrong_site"

  | "consent_missing"
  | "consent_subject_mismatch"
  | "consent_unknown_notice"
  | "notice_invalid"
  | "notice_missing"
  | "notice_not_current";

/** Processing refused for lack of a valid, separate consent (L1, L9, L10). */
export class ConsentError extends FacegateError<ConsentErrorCode> {
  constructor(code: ConsentErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}

export type IntegrityErrorCode = "integrity_quarantined" | "integrity_sealed_box" | "integrity_template" | "integrity_wrapped_key";

/** Stored or received data failed an integrity check: a ciphertext, a wrapped key, a sealed box. */
export class IntegrityError extends FacegateError<IntegrityErrorCode> {
  constructor(code: IntegrityErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}

export type KeyErrorCode =
  | "key_closed"
  | "key_create_failed"
  | "key_file_exists"
  | "key_file_invalid"
  | "key_file_missing"
  | "key_file_permissions"
  | "key_file_unwritable"
  | "key_invalid"
  | "key_mismatch"
  | "key_missing"
  | "key_permissions"
  | "key_unbound"
  | "key_unstorable"
  | "key_version"
  | "key_write_failed";

export type VerificationErrorCode = "receipt_unverified" | "audit_unverified" | "certificate_unverified";

/**
 * A document checked offline does not verify: a deletion receipt (L7) or an audit export
 * (L8) against the device key, a site deletion certificate against the site key.
 */
export class VerificationError extends FacegateError<VerificationErrorCode> {
  constructor(code: VerificationErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}

/** Keys missing, with wrong permissions, or not matching the database. */
export class KeyError extends FacegateError<KeyErrorCode> {
  constructor(code: KeyErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}

/** PIN hashing could not run (its worker stopped); the PIN is neither stored nor accepted. */
export class PinHashError extends FacegateError<"pin_hash_failed"> {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super("pin_hash_failed", message, details);
  }
}

export type StoreErrorCode = "store_missing" | "store_open_failed" | "store_too_new" | "store_corrupt" | "store_replaced" | "store_record_invalid";

/** The device database could not be opened, migrated or written. `store_corrupt` is always a CorruptStoreError. */
export class StoreError extends FacegateError<StoreErrorCode> {
  constructor(code: StoreErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(code, message, details, options);
  }
}

/** A database that is not SQLite or fails its integrity check (`store_corrupt`); never overwritten. */
export class CorruptStoreError extends StoreError {
  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super("store_corrupt", message, details, options);
  }
}

/** Something asked for does not exist (a subject, a person, a gate). */
export class NotFoundError extends FacegateError<"not_found"> {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super("not_found", message, details);
  }
}

export type HardwareErrorCode =
  | "hardware_disconnected"
  | "hardware_invalid_request"
  | "hardware_failed"
  | "hardware_refused"
  | "hardware_unsupported"
  | "osdp_frame_invalid"
  | "osdp_secure_channel";

/** Hardware is disconnected or failed. */
export class HardwareError extends FacegateError<HardwareErrorCode> {
  constructor(code: HardwareErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(code, message, details, options);
  }
}

export type TransportErrorCode =
  | "audit_export_incomplete"
  | "command_refused"
  | "command_timeout"
  | "event_invalid"
  | "event_too_large"
  | "mqtt_connect_refused"
  | "mqtt_connect_timeout"
  | "mqtt_not_started"
  | "mqtt_offline"
  | "mqtt_publish_failed"
  | "mqtt_publish_held"
  | "mqtt_subscribe_failed"
  | "mqtt_subscribe_refused"
  | "topic_invalid";

/** Transport (MQTT) failures. */
export class TransportError extends FacegateError<TransportErrorCode> {
  constructor(code: TransportErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(code, message, details, options);
  }
}

export function isFacegateError(err: unknown): err is FacegateError {
  return err instanceof FacegateError;
}
