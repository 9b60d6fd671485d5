/**
 * The scenario format (JSON, documented in simulator/scenarios/README.md): a gate
 * configuration, people, scripted steps and expected outcomes, as one TypeBox schema (its
 * type, its runtime check with `path: problem` errors, and its JSON Schema:
 * `facegate schema scenario`). People and policies are only shaped here: sdk/access and
 * sdk/policy validate them again when the scenario runs, because that is what the L2
 * scenarios exercise (a refused person or policy is an expected outcome, not a bad file).
 */
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import type { PersonInput } from "../../sdk/access/person-input.js";
import { ConfigError } from "../../sdk/errors.js";
import { compileChecker } from "../../sdk/schema/schema-check.js";
import { SIM_DEVICE_NAMES } from "../../simulator/sim-hardware.js";

const Str = Type.String({ hint: "must be a string" });
const Strings = Type.Array(Type.String());
const Device = Type.Unsafe<(typeof SIM_DEVICE_NAMES)[number]>({ type: "string", enum: [...SIM_DEVICE_NAMES] });
/** A person as sdk/access reads it; checked there, when the scenario runs. */
const Person = Type.Unsafe<PersonInput>({ type: "object" });

export const StepExpectSchema = Type.Object(
  {
    decision: Type.Optional(Type.Unsafe<"granted" | "denied" | "none">({ type: "string", enum: ["granted", "denied", "none"], description: 'The last access.granted / access.denied of the step; "none": there was none.' })),
    reason: Type.Optional(Type.String()),
    method: Type.Optional(Type.String()),
    pulses: Type.Optional(Type.Integer({ minimum: 0, description: "Relay pulses so far (the whole scenario)." })),
    display: Type.Optional(Type.Union([Type.String(), Strings], { description: "Substrings that must appear in what the display showed during the step." })),
    displayKinds: Type.Optional(Type.Array(Type.String(), { description: 'Kinds of display message that must have been shown (e.g. "receipt", "notice").' })),
    events: Type.Optional(Type.Array(Type.String(), { description: "Event types that must be recorded during the step." })),
    noEvents: Type.Optional(Type.Array(Type.String(), { description: "Event types that must NOT be recorded during the step." })),
    noEventsAtAll: Type.Optional(Type.Boolean({ description: "No event at all during the step." })),
    noLogs: Type.Optional(Type.Boolean({ description: "No log record at all during the step." })),
    error: Type.Optional(Type.String({ description: "The step must fail with a FacegateError of this code..." })),
    errorContains: Type.Optional(Type.String({ description: "...whose message contains this." })),
  },
  { additionalProperties: false },
);
export type StepExpect = Static<typeof StepExpectSchema>;

const Region = Type.Tuple([Type.Integer({ minimum: 0 }), Type.Integer({ minimum: 0 }), Type.Integer({ minimum: 1 }), Type.Integer({ minimum: 1 })], {
  hint: "must be [left, top, width, height] in whole source pixels",
});

const step = <A extends string, P extends Record<string, TSchema>>(action: A, fields: P) =>
  Type.Object({ do: Type.Literal(action), note: Type.Optional(Type.String()), expect: Type.Optional(StepExpectSchema), ...fields }, { additionalProperties: false });

const STEPS = [
  step("swipe", { card: Str }),
  step("pin", { pin: Str, code: Type.Optional(Str) }),
  step("keys", { keys: Str }),
  step("present_face", { image: Str, region: Type.Optional(Region) }),
  step("leave", {}),
  step("exit", {}),
  step("open_door", {}),
  step("force_door", {}),
  step("close_door", {}),
  step("advance", { ms: Type.Number({ minimum: 0, hint: "must be a non-negative number" }) }),
  step("tick", {}),
  step("disconnect", { device: Device }),
  step("reconnect", { device: Device }),
  step("break_analyzer", {}),
  step("repair_analyzer", {}),
  step("load_policies", { gates: Type.Unknown({ description: "Gate policies, loaded (and perhaps refused) when the step runs." }) }),
  step("put_person", { person: Person }),
];

export type ScenarioStep = Static<(typeof STEPS)[number]>;
export type ScenarioAction = ScenarioStep["do"];

/** One of the steps, told apart by `do` (errors come from the step's own schema). */
export const ScenarioStepSchema = Type.Unsafe<ScenarioStep>({ type: "object", properties: { do: { type: "string" } }, required: ["do"], discriminator: { propertyName: "do" }, oneOf: STEPS });

export const ScenarioSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    name: Type.String({ minLength: 1, hint: "must be a non-empty string" }),
    description: Type.Optional(Type.String()),
    covers: Type.Optional(Type.Array(Type.String(), { description: 'SPEC rows this scenario demonstrates, e.g. ["L2"].' })),
    requires: Type.Optional(
      Type.Array(Type.Unsafe<"face" | "privacy">({ type: "string", enum: ["face", "privacy"] }), {
        hint: 'must list "face" and/or "privacy"',
        description: 'Components the scenario needs beyond card/PIN: "face" (analyzer + matcher), "privacy" (desk).',
      }),
    ),
    start: Type.Optional(Type.Union([Type.String(), Type.Number()], { description: "Clock start, ISO 8601 or ms." })),
    readers: Type.Optional(
      Type.Unsafe<"simulated" | "osdp">({
        type: "string",
        enum: ["simulated", "osdp"],
        description: 'The gate\'s card reader and keypad: "simulated" (default) or "osdp": the OSDP driver over a socat pty against the simulated reader, in the Secure Channel (needs socat; cards as hexadecimal).',
      }),
    ),
    gateId: Type.Optional(Type.String()),
    gates: Type.Array(Type.Unknown(), { hint: "must be an array of gate policies" }),
    people: Type.Optional(
      Type.Array(
        Type.Intersect([
          Person,
          Type.Object({
            face: Type.Optional(
              Type.Object({ consent: Type.Boolean(), enroll: Type.Optional(Type.String()) }, { additionalProperties: false, hint: 'must be {"consent": boolean, "enroll"?: "image path"}' }),
            ),
          }),
        ]),
      ),
    ),
    steps: Type.Array(ScenarioStepSchema, { minItems: 1, hint: "must be a non-empty array" }),
    expect: Type.Optional(
      Type.Object(
        {
          eventTypes: Type.Optional(Type.Array(Type.String(), { description: "Event types that must appear somewhere in the run." })),
          noEventTypes: Type.Optional(Type.Array(Type.String(), { description: "Event types that must never appear." })),
          pulses: Type.Optional(Type.Integer({ minimum: 0, description: "Relay pulses at the end." })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export type Scenario = Static<typeof ScenarioSchema>;
export type ScenarioPerson = NonNullable<Scenario["people"]>[number];
export type ScenarioExpect = NonNullable<Scenario["expect"]>;
export type Requirement = NonNullable<Scenario["requires"]>[number];

const PERSON_KEYS = ["personRef", "rights", "cards", "pins", "face"];

const check = compileChecker(ScenarioSchema, {
  error: (message, d) => new ConfigError(message, { path: d.path }),
  unknownProperty: (allowed) => `unknown key (allowed: ${allowed.join(", ")})`,
  rules: [
    // People are shaped by sdk/access at run time; here only their keys are checked.
    (s, path, fail) =>
      (s.people ?? []).forEach((p, i) => {
        for (const key of Object.keys(p)) if (!PERSON_KEYS.includes(key)) fail(`${path}.people[${i}].${key}`, `unknown key (allowed: ${PERSON_KEYS.join(", ")})`);
      }),
  ],
});

export function parseScenario(raw: unknown, source = "scenario"): Scenario {
  return check(raw, source);
}
