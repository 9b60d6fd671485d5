/**
 * Gate policies: which ways in a gate accepts. Every mode offers a non-biometric path
 * (L2: face is never the only way in); a policy naming face alone, or anything
 * unknown, is refused when loaded with a ConfigError reading `path: problem`.
 *
 * | mode                 | ways in                                                                 |
 * | -------------------- | ----------------------------------------------------------------------- |
 * | face_or_card_or_pin  | face, or card, or PIN (`code * PIN #`)                                  |
 * | face_or_card         | face, or card                                                           |
 * | face_or_pin          | face, or PIN                                                            |
 * | card_or_pin          | card, or PIN                                                            |
 * | card                 | card                                                                    |
 * | pin                  | PIN                                                                     |
 * | card_and_pin         | card, then the card holder's PIN                                        |
 * | card_then_face       | card, then 1:1 face verification against the holder's templates; or    |
 * |                      | card, then PIN (holders who declined face, or when the camera is down)  |
 */
import { ConfigError } from "../errors.js";
import { DEFAULT_LOCKOUT, type LockoutPolicy } from "./pin-lockout.js";

export const GATE_MODES = ["face_or_card_or_pin", "face_or_card", "face_or_pin", "card_or_pin", "card", "pin", "card_and_pin", "card_then_face"] as const;

export type GateMode = (typeof GATE_MODES)[number];

export type CredentialKind = "card" | "pin";

/** How a decision was reached. */
export type AccessMethod = "face" | "card" | "pin" | "card_and_pin" | "card_then_face" | "exit_button";

export interface GatePolicy {
  gateId: string;
  mode: GateMode;
  /** How long the relay unlocks on a grant. */
  unlockMs: number;
  /** How long a swiped card waits for its PIN or face (card_and_pin, card_then_face). */
  secondFactorTimeoutMs: number;
  /** Door open longer than this raises alarm.door_held_open. */
  doorHeldOpenMs: number;
  lockout: LockoutPolicy;
}

export const POLICY_DEFAULTS = { unlockMs: 5_000, secondFactorTimeoutMs: 15_000, doorHeldOpenMs: 30_000 } as const;

/**
 * The non-biometric ways in of a mode: each entry is a set of credential kinds a person
 * must all hold. Never empty for a loadable mode (L2).
 */
export function nonBiometricPaths(mode: GateMode): ReadonlyArray<readonly CredentialKind[]> {
  switch (mode) {
    case "face_or_card_or_pin":
    case "card_or_pin":
      return [["card"], ["pin"]];
    case "face_or_card":
    case "card":
      return [["card"]];
    case "face_or_pin":
    case "pin":
      return [["pin"]];
    case "card_and_pin":
    case "card_then_face":
      return [["card", "pin"]];
  }
}

/** Whether a mode accepts a face on its own (1:N identification). */
export function modeAcceptsFaceAlone(mode: GateMode): boolean {
  return mode === "face_or_card_or_pin" || mode === "face_or_card" || mode === "face_or_pin";
}

/** Whether the gate needs the face path at all (camera frames are not even analysed otherwise, L4). */
export function modeUsesFace(mode: GateMode): boolean {
  return modeAcceptsFaceAlone(mode) || mode === "card_then_face";
}

/** What a swiped card alone leads to: a decision, or waiting for a second factor. */
export function afterCard(mode: GateMode): "decide" | "await_pin" | "await_face_or_pin" | "not_accepted" {
  switch (mode) {
    case "face_or_card_or_pin":
    case "face_or_card":
    case "card_or_pin":
    case "card":
      return "decide";
    case "card_and_pin":
      return "await_pin";
    case "card_then_face":
      return "await_face_or_pin";
    default:
      return "not_accepted";
  }
}

/** Whether `code * PIN #` alone is a way in. */
export function modeAcceptsPinAlone(mode: GateMode): boolean {
  return mode === "face_or_card_or_pin" || mode === "face_or_pin" || mode === "card_or_pin" || mode === "pin";
}

const FACE_ONLY_NAMES = new Set(["face", "face_only", "face_and_nothing", "biometric", "face_and_liveness"]);

function positiveInt(obj: Record<string, unknown>, key: string, fallback: number, path: string): number {
  const v = obj[key];
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) throw new ConfigError(`${path}.${key}: must be a positive integer (milliseconds or a count)`, { path: `${path}.${key}` });
  return v;
}

/** Validates one untrusted gate policy. `path` names it in errors, e.g. `gates[0]`. */
export function parseGatePolicy(raw: unknown, path: string): GatePolicy {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new ConfigError(`${path}: must be an object`, { path });
  const obj = raw as Record<string, unknown>;
  const allowed = ["gateId", "mode", "unlockMs", "secondFactorTimeoutMs", "doorHeldOpenMs", "lockout"];
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw new ConfigError(`${path}.${key}: unknown key (allowed: ${allowed.join(", ")})`, { path: `${path}.${key}` });
  }
  const gateId = obj["gateId"];
  if (typeof gateId !== "string" || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(gateId)) {
    throw new ConfigError(`${path}.gateId: must be an opaque id of letters, digits, '_', '.', '-' (at most 64)`, { path: `${path}.gateId` });
  }
  const mode = obj["mode"];
  if (typeof mode !== "string") throw new ConfigError(`${path}.mode: must be one of ${GATE_MODES.join(", ")}`, { path: `${path}.mode` });
  if (FACE_ONLY_NAMES.has(mode)) {
    throw new ConfigError(
      `${path}.mode: "${mode}" would make face the only way in; every gate must also accept a card or a PIN (L2). Use face_or_card_or_pin, face_or_card, face_or_pin or card_then_face`,
      { path: `${path}.mode`, requirement: "L2" },
    );
  }
  if (!(GATE_MODES as readonly string[]).includes(mode)) throw new ConfigError(`${path}.mode: unknown mode "${mode}" (one of ${GATE_MODES.join(", ")})`, { path: `${path}.mode` });
  let lockout = DEFAULT_LOCKOUT;
  if (obj["lockout"] !== undefined) {
    const lp = `${path}.lockout`;
    const l = obj["lockout"];
    if (typeof l !== "object" || l === null || Array.isArray(l)) throw new ConfigError(`${lp}: must be an object`, { path: lp });
    const lo = l as Record<string, unknown>;
    for (const key of Object.keys(lo)) {
      if (!(key in DEFAULT_LOCKOUT)) throw new ConfigError(`${lp}.${key}: unknown key (allowed: ${Object.keys(DEFAULT_LOCKOUT).join(", ")})`, { path: lp });
    }
    lockout = {
      maxFailures: positiveInt(lo, "maxFailures", DEFAULT_LOCKOUT.maxFailures, lp),
      keypadMaxFailures: positiveInt(lo, "keypadMaxFailures", DEFAULT_LOCKOUT.keypadMaxFailures, lp),
      windowMs: positiveInt(lo, "windowMs", DEFAULT_LOCKOUT.windowMs, lp),
      lockoutMs: positiveInt(lo, "lockoutMs", DEFAULT_LOCKOUT.lockoutMs, lp),
    };
  }
  const policy: GatePolicy = {
    gateId,
    mode: mode as GateMode,
    unlockMs: positiveInt(obj, "unlockMs", POLICY_DEFAULTS.unlockMs, path),
    secondFactorTimeoutMs: positiveInt(obj, "secondFactorTimeoutMs", POLICY_DEFAULTS.secondFactorTimeoutMs, path),
    doorHeldOpenMs: positiveInt(obj, "doorHeldOpenMs", POLICY_DEFAULTS.doorHeldOpenMs, path),
    lockout,
  };
  // Defence in depth: a mode without a non-biometric path can never be loaded (L2).
  if (nonBiometricPaths(policy.mode).length === 0) {
    throw new ConfigError(`${path}.mode: "${mode}" offers no card or PIN path (L2)`, { path: `${path}.mode`, requirement: "L2" });
  }
  return policy;
}

/** Validates a list of gate policies; gate ids must be unique. */
export function parseGatePolicies(raw: unknown, path = "gates"): GatePolicy[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new ConfigError(`${path}: must be a non-empty array of gate policies`, { path });
  const seen = new Set<string>();
  return raw.map((item, i) => {
    const p = parseGatePolicy(item, `${path}[${i}]`);
    if (seen.has(p.gateId)) throw new ConfigError(`${path}[${i}].gateId: duplicate gate "${p.gateId}"`, { path: `${path}[${i}].gateId` });
    seen.add(p.gateId);
    return p;
  });
}
