/**
 * Untrusted input for people and credentials (from configuration, a remote command or a
 * scenario), validated with `path: problem` errors that never echo a card number or PIN.
 */
import { ConfigError } from "../errors.js";
import { type WeeklySchedule, parseSchedule } from "../policy/schedule.js";
import { checkPin, checkPinCode, normalizeCardNumber } from "./secrets.js";

export interface CredentialScope {
  /** Gates the credential works at; omitted: every gate of the person's rights. */
  gates?: readonly string[];
  validFrom?: number | string | null;
  validUntil?: number | string | null;
}

export interface CardInput extends CredentialScope {
  /** Secret: hashed at once, never stored or logged. */
  cardNumber: string;
}

export interface PinInput extends CredentialScope {
  /** Keypad user code typed before `*` (non-secret, unique per live PIN). */
  code: string;
  /** Secret: hashed at once, never stored or logged. */
  pin: string;
}

export interface RightsInput {
  gates: readonly string[];
  validFrom?: number | string | null;
  validUntil?: number | string | null;
  schedule?: unknown;
}

export interface PersonInput {
  personRef: string;
  rights: RightsInput;
  cards?: readonly CardInput[];
  pins?: readonly PinInput[];
}

export interface ParsedScope {
  gates: string[] | null;
  validFrom: number | null;
  validUntil: number | null;
}

export interface ParsedRights {
  gates: string[];
  validFrom: number | null;
  validUntil: number | null;
  schedule: WeeklySchedule | null;
}

const REF = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

export function checkPersonRef(ref: unknown, path: string): string {
  if (typeof ref !== "string" || !REF.test(ref)) {
    throw new ConfigError(`${path}: must be an opaque reference of letters, digits, '_', '.', ':', '-' (at most 128)`, { path });
  }
  return ref;
}

function time(value: unknown, path: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string") {
    const t = Date.parse(value);
    if (!Number.isNaN(t)) return t;
  }
  throw new ConfigError(`${path}: must be milliseconds since the epoch or an ISO 8601 date`, { path });
}

function gateList(value: unknown, path: string, allowEmpty: boolean): string[] {
  if (!Array.isArray(value) || (!allowEmpty && value.length === 0) || !value.every((g) => typeof g === "string" && g.length > 0)) {
    throw new ConfigError(`${path}: must be ${allowEmpty ? "an" : "a non-empty"} array of gate ids`, { path });
  }
  return [...new Set(value as string[])];
}

function period(from: unknown, until: unknown, path: string): { validFrom: number | null; validUntil: number | null } {
  const validFrom = time(from, `${path}.validFrom`);
  const validUntil = time(until, `${path}.validUntil`);
  if (validFrom !== null && validUntil !== null && validUntil <= validFrom) throw new ConfigError(`${path}.validUntil: must be after validFrom`, { path });
  return { validFrom, validUntil };
}

export function parseRights(raw: RightsInput, path: string): ParsedRights {
  if (typeof raw !== "object" || raw === null) throw new ConfigError(`${path}: must be an object`, { path });
  return {
    gates: gateList(raw.gates, `${path}.gates`, true),
    ...period(raw.validFrom, raw.validUntil, path),
    schedule: raw.schedule === undefined || raw.schedule === null ? null : parseSchedule(raw.schedule, `${path}.schedule`),
  };
}

export function parseScope(raw: CredentialScope, path: string): ParsedScope {
  return { gates: raw.gates === undefined ? null : gateList(raw.gates, `${path}.gates`, false), ...period(raw.validFrom, raw.validUntil, path) };
}

export function parseCard(raw: CardInput, path: string): ParsedScope & { normalized: string } {
  if (typeof raw !== "object" || raw === null || typeof raw.cardNumber !== "string") throw new ConfigError(`${path}.cardNumber: is required`, { path });
  return { ...parseScope(raw, path), normalized: normalizeCardNumber(raw.cardNumber, `${path}.cardNumber`) };
}

export function parsePin(raw: PinInput, path: string): ParsedScope & { code: string; pin: string } {
  if (typeof raw !== "object" || raw === null || typeof raw.code !== "string" || typeof raw.pin !== "string") {
    throw new ConfigError(`${path}: code and pin are required strings`, { path });
  }
  checkPinCode(raw.code, `${path}.code`);
  checkPin(raw.pin, `${path}.pin`);
  return { ...parseScope(raw, path), code: raw.code, pin: raw.pin };
}
