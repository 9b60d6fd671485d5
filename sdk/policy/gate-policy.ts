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
import { type Static, Type } from "@sinclair/typebox";
import { ConfigError, FaceOnlyError } from "../errors.js";
import { compileChecker } from "../schema/schema-check.js";
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
  /**
   * Face-alone modes: the false-positive identification rate per attempt the operator
   * accepts (a stranger taken for a resident). The gate derives its match threshold from
   * it and the gallery size (sdk/gate/face-alone-capacity.ts); a gallery too large for it
   * is refused (policy load) or falls back to card and PIN (growth), never opens for strangers.
   */
  targetFpir: number;
}

export const POLICY_DEFAULTS = { unlockMs: 5_000, secondFactorTimeoutMs: 15_000, doorHeldOpenMs: 30_000, targetFpir: 1e-4 } as const;

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

const Millis = (what: string) => Type.Optional(Type.Integer({ minimum: 1, hint: `must be a positive integer (${what})` }));

/** A gate policy as configuration and `policy.set` give it (the published schema of sdk/protocol's policy body). */
export const GatePolicySchema = Type.Object(
  {
    gateId: Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", hint: "must be an opaque id of letters, digits, '_', '.', '-' (at most 64)" }),
    mode: Type.Unsafe<GateMode>({ type: "string", enum: [...GATE_MODES] }),
    unlockMs: Millis("milliseconds"),
    secondFactorTimeoutMs: Millis("milliseconds"),
    doorHeldOpenMs: Millis("milliseconds"),
    targetFpir: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 0.01, hint: "must be a rate above 0 and at most 0.01 (false identifications per attempt)" })),
    lockout: Type.Optional(
      Type.Object(
        {
          maxFailures: Millis("a count"),
          keypadMaxFailures: Millis("a count"),
          windowMs: Millis("milliseconds"),
          lockoutMs: Millis("milliseconds"),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, description: "Which ways in a gate accepts. Every mode offers a card or PIN path (L2)." },
);

export const GatePoliciesSchema = Type.Array(GatePolicySchema, { minItems: 1, hint: "must be a non-empty array of gate policies" });

/** The error for a problem in a gate policy: face-only modes are FaceOnlyError (L2), with the modes that work. */
export function gatePolicyError(message: string, d: { path: string; keyword: string; value: unknown }): ConfigError {
  if (d.path.endsWith(".mode") && d.keyword === "enum" && typeof d.value === "string") {
    if (FACE_ONLY_NAMES.has(d.value)) {
      return new FaceOnlyError(
        `${d.path}: "${d.value}" would make face the only way in; every gate must also accept a card or a PIN (L2). Use face_or_card_or_pin, face_or_card, face_or_pin or card_then_face`,
        { path: d.path },
      );
    }
    return new ConfigError(`${d.path}: unknown mode "${d.value}" (one of ${GATE_MODES.join(", ")})`, { path: d.path });
  }
  return new ConfigError(message, { path: d.path });
}

const unknownKey = (allowed: readonly string[]) => `unknown key (allowed: ${allowed.join(", ")})`;
const checkPolicy = compileChecker(GatePolicySchema, { error: gatePolicyError, unknownProperty: unknownKey });
const checkPolicies = compileChecker(GatePoliciesSchema, {
  error: gatePolicyError,
  unknownProperty: unknownKey,
  rules: [
    (list, path, fail) => {
      const seen = new Set<string>();
      list.forEach((p, i) => {
        if (seen.has(p.gateId)) fail(`${path}[${i}].gateId`, `duplicate gate "${p.gateId}"`);
        seen.add(p.gateId);
      });
    },
  ],
});

function withDefaults(raw: Static<typeof GatePolicySchema>, path: string): GatePolicy {
  const policy: GatePolicy = {
    gateId: raw.gateId,
    mode: raw.mode,
    unlockMs: raw.unlockMs ?? POLICY_DEFAULTS.unlockMs,
    secondFactorTimeoutMs: raw.secondFactorTimeoutMs ?? POLICY_DEFAULTS.secondFactorTimeoutMs,
    doorHeldOpenMs: raw.doorHeldOpenMs ?? POLICY_DEFAULTS.doorHeldOpenMs,
    targetFpir: raw.targetFpir ?? POLICY_DEFAULTS.targetFpir,
    lockout: { ...DEFAULT_LOCKOUT, ...raw.lockout },
  };
  // Defence in depth: a mode without a non-biometric path can never be loaded (L2).
  if (nonBiometricPaths(policy.mode).length === 0) throw new FaceOnlyError(`${path}.mode: "${policy.mode}" offers no card or PIN path (L2)`, { path: `${path}.mode` });
  return policy;
}

/** Validates one untrusted gate policy. `path` names it in errors, e.g. `gates[0]`. */
export function parseGatePolicy(raw: unknown, path: string): GatePolicy {
  return withDefaults(checkPolicy(raw, path), path);
}

/** Validates a list of gate policies; gate ids must be unique. */
export function parseGatePolicies(raw: unknown, path = "gates"): GatePolicy[] {
  return checkPolicies(raw, path).map((p, i) => withDefaults(p, `${path}[${i}]`));
}
