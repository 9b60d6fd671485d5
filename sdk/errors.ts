/**
 * One error root for the whole SDK. Every subclass has a stable `code` that is used in
 * events, command results and CLI exit messages, so callers tell errors apart by code,
 * never by message text or ad-hoc flags.
 *
 * Messages must never contain biometric data, keys, card numbers or PINs: they end up in
 * logs, command results and on the gate display.
 */
export class FacegateError extends Error {
  readonly code: string;
  /** Non-sensitive details that help an operator (file names, field paths, limits). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }

  toJSON(): { code: string; message: string; details: Readonly<Record<string, unknown>> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** Configuration or policy that cannot be loaded; `message` reads as `path: problem`. */
export class ConfigError extends FacegateError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super("config_invalid", message, details);
  }
}

/** A model file is missing, altered or unusable. */
export class ModelError extends FacegateError {
  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super("model_invalid", message, details, options);
  }
}

/** An image could not be decoded, is too large, or is otherwise unusable. */
export class ImageError extends FacegateError {
  constructor(code: "image_corrupt" | "image_too_large" | "image_unsupported", message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(code, message, details, options);
  }
}

/** Processing refused for lack of a valid, separate consent (L1, L9, L10). */
export class ConsentError extends FacegateError {
  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}

/** Stored data failed an integrity check: a ciphertext, a wrapped key, an audit entry. */
export class IntegrityError extends FacegateError {
  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}

/** Keys missing, with wrong permissions, or not matching the database. */
export class KeyError extends FacegateError {
  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}

/** The device database could not be opened, migrated or written. */
export class StoreError extends FacegateError {
  constructor(code: string, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(code, message, details, options);
  }
}

/** A remote command was refused (unsigned, expired, replayed, misaddressed, invalid...). */
export class CommandError extends FacegateError {
  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}

/** Something asked for does not exist (a subject, a person, a gate). */
export class NotFoundError extends FacegateError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super("not_found", message, details);
  }
}

/** Hardware is disconnected or failed. */
export class HardwareError extends FacegateError {
  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(code, message, details);
  }
}

/** Transport (MQTT) failures. */
export class TransportError extends FacegateError {
  constructor(code: string, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(code, message, details, options);
  }
}

export function isFacegateError(err: unknown): err is FacegateError {
  return err instanceof FacegateError;
}
