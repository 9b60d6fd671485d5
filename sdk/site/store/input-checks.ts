/**
 * Checks of what callers hand the site store, each failing with `site_input_invalid` and
 * the field's path, so bad input is refused before anything is written.
 */
import { SiteStoreError } from "./site-store-error.js";
import type { Scope } from "./site-store.js";

const ID = /^[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,199}$/;

function invalid(path: string, problem: string): SiteStoreError {
  return new SiteStoreError("site_input_invalid", `${path}: ${problem}`, { path });
}

/** An opaque id: 1-200 characters of letters, digits and `._:@/+-`, starting with a letter or digit. */
export function checkId(value: unknown, path: string): string {
  if (typeof value !== "string" || !ID.test(value)) throw invalid(path, "must be an id of 1-200 letters, digits or ._:@/+- (starting with a letter or digit)");
  return value;
}

/** Free text for people (a name, a label): 1-200 characters, no control characters. */
export function checkText(value: unknown, path: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  if (typeof value !== "string" || value.trim().length === 0 || value.length > max || /[\u0000-\u001f\u007f]/.test(value)) {
    throw invalid(path, `must be 1-${max} characters of text without control characters`);
  }
  return value;
}

/** A time in integer milliseconds since the epoch. */
export function checkMs(value: unknown, path: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) throw invalid(path, "must be a time in whole milliseconds since 1970");
  return value;
}

export function checkCount(value: unknown, path: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) throw invalid(path, "must be a whole number, 0 or more");
  return value;
}

/** A 32-byte public key as base64 (standard or URL-safe); returned in standard base64. */
export function checkPublicKey(value: unknown, path: string): string {
  const bytes = typeof value === "string" && /^[A-Za-z0-9+/_-]+={0,2}$/.test(value.trim()) ? Buffer.from(value.trim(), "base64") : Buffer.alloc(0);
  if (bytes.length !== 32) throw invalid(path, "must be a 32-byte public key as base64");
  return bytes.toString("base64");
}

export function checkSha256Hex(value: unknown, path: string): string {
  if (typeof value !== "string" || !/^[0-9a-fA-F]{64}$/.test(value)) throw invalid(path, "must be a sha256 digest as 64 hex characters");
  return value.toLowerCase();
}

export function checkOneOf<T extends string>(value: unknown, allowed: readonly T[], path: string): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) throw invalid(path, `must be one of ${allowed.join(", ")}`);
  return value as T;
}

export function checkScope(value: unknown, path: string): Scope {
  const s = value as Partial<Scope> | null;
  if (s === null || typeof s !== "object" || !Array.isArray(s.gates) || !Array.isArray(s.groups)) throw invalid(path, "must be { gates: string[], groups: string[] }");
  const gates = [...new Set(s.gates.map((g, i) => checkId(g, `${path}.gates[${i}]`)))].sort();
  const groups = [...new Set(s.groups.map((g, i) => checkText(g, `${path}.groups[${i}]`)))].sort();
  return { gates, groups };
}

/** JSON text of a value that must survive a round trip (no undefined at the top, no cycles). */
export function toJson(value: unknown, path: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    throw invalid(path, "must be JSON-serialisable");
  }
  if (text === undefined) throw invalid(path, "must be JSON-serialisable");
  return text;
}

export { invalid as invalidInput };
