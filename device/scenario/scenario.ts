/**
 * The scenario format (JSON, documented in simulator/scenarios/README.md): a gate
 * configuration, people, scripted steps and expected outcomes. `parseScenario` checks
 * the shape with `path: problem` errors; people and policies are validated again by
 * sdk/access when the scenario runs (that is what L2 scenarios exercise).
 */
import { ConfigError } from "../../sdk/errors.js";
import type { PersonInput } from "../../sdk/access/person-input.js";
import { SIM_DEVICE_NAMES, type SimDeviceName } from "../../simulator/sim-hardware.js";

export type Requirement = "face" | "privacy";

export interface ScenarioPerson extends PersonInput {
  /** Face set-up through the PrivacyDesk before the steps: consent under the current notice, then enrollment from an image. */
  face?: { consent: boolean; enroll?: string };
}

export interface StepExpect {
  /** The last access.granted / access.denied of the step; "none": there was none. */
  decision?: "granted" | "denied" | "none";
  reason?: string;
  method?: string;
  /** Relay pulses so far (the whole scenario). */
  pulses?: number;
  /** Substrings that must appear in what the display showed during the step. */
  display?: string | string[];
  /** Kinds of display message that must have been shown during the step (e.g. "receipt", "notice"). */
  displayKinds?: string[];
  /** Event types that must be recorded during the step. */
  events?: string[];
  /** Event types that must NOT be recorded during the step. */
  noEvents?: string[];
  /** No event at all during the step. */
  noEventsAtAll?: boolean;
  /** No log record at all during the step. */
  noLogs?: boolean;
  /** The step must fail with a FacegateError of this code... */
  error?: string;
  /** ...whose message contains this. */
  errorContains?: string;
}

export type ScenarioAction =
  | { do: "swipe"; card: string }
  | { do: "pin"; pin: string; code?: string }
  | { do: "keys"; keys: string }
  | { do: "present_face"; image: string; region?: [number, number, number, number] }
  | { do: "leave" }
  | { do: "exit" }
  | { do: "open_door" }
  | { do: "force_door" }
  | { do: "close_door" }
  | { do: "advance"; ms: number }
  | { do: "tick" }
  | { do: "disconnect"; device: SimDeviceName }
  | { do: "reconnect"; device: SimDeviceName }
  | { do: "break_analyzer" }
  | { do: "repair_analyzer" }
  | { do: "load_policies"; gates: unknown }
  | { do: "put_person"; person: PersonInput };

export type ScenarioStep = ScenarioAction & { note?: string; expect?: StepExpect };

export interface ScenarioExpect {
  /** Event types that must appear somewhere in the run. */
  eventTypes?: string[];
  /** Event types that must never appear. */
  noEventTypes?: string[];
  /** Relay pulses at the end. */
  pulses?: number;
}

export interface Scenario {
  name: string;
  description?: string;
  /** SPEC rows this scenario demonstrates, e.g. ["L2"]. */
  covers?: string[];
  /** Components the scenario needs beyond card/PIN: "face" (analyzer + matcher), "privacy" (desk). */
  requires?: Requirement[];
  start?: string | number;
  gateId?: string;
  gates: unknown[];
  people?: ScenarioPerson[];
  steps: ScenarioStep[];
  expect?: ScenarioExpect;
}

const ACTIONS: Record<string, readonly string[]> = {
  swipe: ["card"],
  pin: ["pin", "code"],
  keys: ["keys"],
  present_face: ["image", "region"],
  leave: [],
  exit: [],
  open_door: [],
  force_door: [],
  close_door: [],
  advance: ["ms"],
  tick: [],
  disconnect: ["device"],
  reconnect: ["device"],
  break_analyzer: [],
  repair_analyzer: [],
  load_policies: ["gates"],
  put_person: ["person"],
};

const REQUIRED: Record<string, readonly string[]> = { swipe: ["card"], pin: ["pin"], keys: ["keys"], present_face: ["image"], advance: ["ms"], disconnect: ["device"], reconnect: ["device"], load_policies: ["gates"], put_person: ["person"] };

const EXPECT_KEYS = ["decision", "reason", "method", "pulses", "display", "displayKinds", "events", "noEvents", "noEventsAtAll", "noLogs", "error", "errorContains"];

function fail(path: string, problem: string): never {
  throw new ConfigError(`${path}: ${problem}`, { path });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function onlyKeys(obj: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(obj)) if (!allowed.includes(key)) fail(`${path}.${key}`, `unknown key (allowed: ${allowed.join(", ")})`);
}

export function parseScenario(raw: unknown, source = "scenario"): Scenario {
  if (!isObject(raw)) fail(source, "must be a JSON object");
  onlyKeys(raw, ["name", "description", "covers", "requires", "start", "gateId", "gates", "people", "steps", "expect"], source);
  if (typeof raw["name"] !== "string" || raw["name"] === "") fail(`${source}.name`, "must be a non-empty string");
  if (!Array.isArray(raw["gates"])) fail(`${source}.gates`, "must be an array of gate policies");
  if (!Array.isArray(raw["steps"]) || raw["steps"].length === 0) fail(`${source}.steps`, "must be a non-empty array");
  const requires = raw["requires"] ?? [];
  if (!Array.isArray(requires) || !requires.every((r) => r === "face" || r === "privacy")) fail(`${source}.requires`, 'must list "face" and/or "privacy"');
  const people = raw["people"] ?? [];
  if (!Array.isArray(people)) fail(`${source}.people`, "must be an array");
  people.forEach((p, i) => {
    if (!isObject(p)) fail(`${source}.people[${i}]`, "must be an object");
    onlyKeys(p, ["personRef", "rights", "cards", "pins", "face"], `${source}.people[${i}]`);
    if (p["face"] !== undefined) {
      const f = p["face"];
      if (!isObject(f) || typeof f["consent"] !== "boolean" || (f["enroll"] !== undefined && typeof f["enroll"] !== "string")) {
        fail(`${source}.people[${i}].face`, 'must be {"consent": boolean, "enroll"?: "image path"}');
      }
    }
  });
  (raw["steps"] as unknown[]).forEach((s, i) => {
    const path = `${source}.steps[${i}]`;
    if (!isObject(s)) fail(path, "must be an object");
    const action = s["do"];
    if (typeof action !== "string" || !(action in ACTIONS)) fail(`${path}.do`, `must be one of ${Object.keys(ACTIONS).join(", ")}`);
    onlyKeys(s, ["do", "note", "expect", ...ACTIONS[action]!], path);
    for (const key of REQUIRED[action] ?? []) if (s[key] === undefined) fail(`${path}.${key}`, `is required for "${action}"`);
    if (action === "advance" && (typeof s["ms"] !== "number" || !(s["ms"] >= 0))) fail(`${path}.ms`, "must be a non-negative number");
    if ((action === "disconnect" || action === "reconnect") && !(SIM_DEVICE_NAMES as readonly unknown[]).includes(s["device"])) fail(`${path}.device`, `must be one of ${SIM_DEVICE_NAMES.join(", ")}`);
    for (const key of ["card", "pin", "code", "keys", "image"]) if (s[key] !== undefined && typeof s[key] !== "string") fail(`${path}.${key}`, "must be a string");
    const region = s["region"];
    if (region !== undefined && !(Array.isArray(region) && region.length === 4 && region.every((v, j) => Number.isInteger(v) && v >= 0 && (j < 2 || v > 0)))) {
      fail(`${path}.region`, "must be [left, top, width, height] in whole source pixels");
    }
    if (s["expect"] !== undefined) {
      if (!isObject(s["expect"])) fail(`${path}.expect`, "must be an object");
      onlyKeys(s["expect"], EXPECT_KEYS, `${path}.expect`);
    }
  });
  if (raw["expect"] !== undefined) {
    if (!isObject(raw["expect"])) fail(`${source}.expect`, "must be an object");
    onlyKeys(raw["expect"], ["eventTypes", "noEventTypes", "pulses"], `${source}.expect`);
  }
  return raw as unknown as Scenario;
}
