/**
 * Building blocks of the contract's schemas. Every reference on the wire is an opaque id,
 * never a personal name (L4: nothing on the broker identifies a person to anyone without
 * the keys); every time is milliseconds since the epoch.
 */
import { type TSchema, Type } from "@sinclair/typebox";

/** Site, gate, command, subject and person references: opaque, topic-safe, not personal. */
export const OPAQUE_ID = /^[A-Za-z0-9_-]{1,64}$/;
export const OPAQUE_ID_HINT = "must be an opaque id ([A-Za-z0-9_-]{1,64})";

export const OpaqueId = (description?: string) =>
  Type.String({ pattern: OPAQUE_ID.source, hint: OPAQUE_ID_HINT, ...(description ? { description } : {}) });

export const Sha256Hex = (description?: string) =>
  Type.String({ pattern: "^[0-9a-f]{64}$", hint: "must be a lowercase hex SHA-256", ...(description ? { description } : {}) });

/** A key id: the first 16 bytes of SHA-256 of the Ed25519 public key, hex (see crypto keyIdFor). */
export const KEY_ID = /^[0-9a-f]{32}$/;
export const KeyId = (description?: string) =>
  Type.String({ pattern: KEY_ID.source, hint: "must be a key id (32 hex digits)", ...(description ? { description } : {}) });

/** Milliseconds since the epoch, between 2000 and 2200. */
export const Timestamp = (description?: string) =>
  Type.Integer({ minimum: 946_684_800_000, maximum: 7_258_118_400_000, ...(description ? { description } : {}) });

export const Text = (maxLength: number, description?: string) => Type.String({ minLength: 1, maxLength, ...(description ? { description } : {}) });

/** Standard padded base64 (RFC 4648), decoding to at most `max` (or exactly `exact`) bytes. */
export const Base64 = (limits: { max: number; exact?: number; min?: number }, description?: string) =>
  Type.String({ base64Bytes: limits, ...(description ? { description } : {}) });

/** A label like `2026-01` or `3.1`. */
export const VersionLabel = (hint = "must be a version label like 2026-01 or 3.1") => Type.String({ minLength: 1, maxLength: 32, pattern: "^[A-Za-z0-9._-]+$", hint });

/** A list of opaque ids, 1-256, without repeats. */
export const IdList = (description?: string) => Type.Array(OpaqueId(), { minItems: 1, maxItems: 256, uniqueItems: true, ...(description ? { description } : {}) });

/** An object whose fields are exactly these (unknown fields refused). */
export const Strict = <P extends Record<string, TSchema>>(properties: P, description?: string) =>
  Type.Object(properties, { additionalProperties: false, ...(description ? { description } : {}) });

/** One of these strings (a JSON Schema `enum`); reads "must be one of a, b" when it fails. */
export const OneOf = <const T extends readonly string[]>(values: T, description?: string) =>
  Type.Unsafe<T[number]>({ type: "string", enum: [...values], ...(description ? { description } : {}) });
