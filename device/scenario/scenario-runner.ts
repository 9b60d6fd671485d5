/**
 * Runs a scenario against a simulated gate: sets up people (and their face consent and
 * enrollment through the PrivacyDesk), plays the steps on the simulated hardware, and
 * checks each step's expectations and the scenario's. On top of what the scenario asks,
 * every run checks that no card number or PIN of the scenario and no biometric-looking
 * value reached an event or a log line (L4, SPEC section 6).
 *
 * `facegate simulate` and the tests both go through `simulateScenario`.
 */
import { openOsdpReaders } from "./osdp-readers.js";
import type { Clock } from "../../sdk/time/clock.js";
import type { Logger } from "../../sdk/log/logger.js";
import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { ConfigError, isFacegateError } from "../../sdk/errors.js";
import type { FacegateEvent } from "../../sdk/events/event.js";
import type { PersonInput } from "../../sdk/access/person-input.js";
import type { LogRecord } from "../../sdk/log/logger.js";
import { type Requirement, type Scenario, type ScenarioStep, parseScenario } from "./scenario.js";
import { type SimulatedGate, type SimulatedGateOptions, buildSimulatedGate } from "./simulated-gate.js";

export interface StepResult {
  index: number;
  do: string;
  note?: string;
  passed: boolean;
  failures: string[];
  decision: { granted: boolean; method: unknown; reason: unknown; personRef?: unknown } | null;
  events: string[];
  display: string[];
  pulses: number;
  error?: { code: string; message: string };
}

export interface ScenarioResult {
  name: string;
  covers: string[];
  passed: boolean;
  /** Components the scenario needs that were not wired (the scenario was not run). */
  missing: string[];
  steps: StepResult[];
  events: FacegateEvent[];
  failures: string[];
}

const REQUIREMENT_TEXT: Record<Requirement, string> = {
  face: "the face models (run `npx facegate models fetch`)",
  privacy: "privacy desk (PrivacyDesk port: sdk/consent + sdk/vault + sdk/deletion adapter)",
};

export async function loadScenarioFile(path: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new ConfigError(`${path}: cannot read scenario (${(err as NodeJS.ErrnoException).code ?? "error"})`, { path });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${path}: not valid JSON (${(err as Error).message})`, { path });
  }
  return parseScenario(raw, path);
}

/** Builds a simulated gate for the scenario, runs it, and closes the gate. */
export async function simulateScenario(scenario: Scenario, options: Omit<SimulatedGateOptions, "gates" | "gateId" | "start"> = {}): Promise<ScenarioResult> {
  const readers = scenario.readers === "osdp" ? { readers: (clock: Clock, logger: Logger) => openOsdpReaders({ clock, logger: logger.child("osdp") }) } : {};
  const sim = await buildSimulatedGate({ ...options, ...readers, gates: scenario.gates, gateId: scenario.gateId, start: scenario.start });
  try {
    return await runScenario(scenario, sim);
  } finally {
    await sim.close();
  }
}

function secretsOf(scenario: Scenario): string[] {
  const out: string[] = [];
  const fromPerson = (p: PersonInput): void => {
    for (const c of p.cards ?? []) out.push(c.cardNumber);
    for (const c of p.pins ?? []) out.push(c.pin);
  };
  for (const p of scenario.people ?? []) fromPerson(p);
  for (const s of scenario.steps) {
    if (s.do === "swipe") out.push(s.card);
    if (s.do === "pin") out.push(s.pin);
    if (s.do === "put_person" && typeof s.person === "object" && s.person) fromPerson(s.person);
  }
  return [...new Set(out.filter((s) => typeof s === "string" && s.length >= 4))];
}

const BIOMETRIC_KEY = /embedding|vector|image|frame|score|liveness|landmark/i;

/** Problems found in a value that an event or log may carry. */
function leaks(value: unknown, secrets: readonly string[], path: string, out: string[]): void {
  if (typeof value === "string") {
    if (secrets.some((s) => containsSecret(value, s))) out.push(`${path} contains a card number or PIN`);
  } else if (ArrayBuffer.isView(value)) {
    out.push(`${path} carries binary data`);
  } else if (Array.isArray(value)) {
    if (value.length >= 16 && value.every((v) => typeof v === "number")) out.push(`${path} carries a numeric vector`);
    value.forEach((v, i) => leaks(v, secrets, `${path}[${i}]`, out));
  } else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (BIOMETRIC_KEY.test(k)) out.push(`${path}.${k} is a biometric-looking field`);
      leaks(v, secrets, `${path}.${k}`, out);
    }
  }
}

/**
 * Whether `secret` (a card number, a PIN) stands in `text` as a token of its own: not
 * merely as a run of characters inside a hash, signature or id, where any digit string
 * turns up by chance sooner or later.
 */
export function containsSecret(text: string, secret: string): boolean {
  const inToken = /[0-9A-Za-z+/]/;
  for (let i = text.indexOf(secret); i >= 0; i = text.indexOf(secret, i + 1)) {
    if (!inToken.test(text[i - 1] ?? " ") && !inToken.test(text[i + secret.length] ?? " ")) return true;
  }
  return false;
}

export function findLeaks(events: readonly FacegateEvent[], logs: readonly LogRecord[], secrets: readonly string[]): string[] {
  const out: string[] = [];
  events.forEach((e) => leaks(e.data, secrets, `event ${e.type}`, out));
  logs.forEach((r) => leaks({ message: r.message, ...r.fields }, secrets, `log "${r.message}"`, out));
  return out;
}

async function setUpPeople(scenario: Scenario, sim: SimulatedGate): Promise<void> {
  for (const [i, person] of (scenario.people ?? []).entries()) {
    const { face, ...input } = person;
    await sim.access.putPerson(input, `people[${i}]`);
    if (!face) continue;
    if (face.consent) {
      const notice = await sim.privacy.currentNotice();
      await sim.privacy.giveConsent(input.personRef, {
        noticeVersion: notice.version,
        noticeHash: notice.hash,
        method: "electronic",
        collectedBy: "scenario-setup",
        gateId: sim.gateId,
        at: sim.clock.now(),
      });
    }
    if (face.enroll) {
      // Enrollment at the property office from a registration photo the staff vouch for:
      // the same pipeline, liveness not applicable, tight crops accepted (L1: consent first).
      if (!sim.pipeline) throw new ConfigError(`people[${i}].face.enroll: needs the face pipeline, which is not available`);
      const analysis = await sim.pipeline.analyze(await readFile(imagePath(sim, face.enroll)), { liveness: false, quality: { edgeMargin: -1 } });
      try {
        const primary = analysis.primaryIndex === undefined ? undefined : analysis.faces[analysis.primaryIndex];
        if (!primary?.embedding) throw new ConfigError(`people[${i}].face.enroll: no face found in ${face.enroll}`);
        await sim.privacy.enrollFromEmbedding(input.personRef, primary.embedding, sim.gateId);
      } finally {
        for (const f of analysis.faces) f.embedding?.fill(0);
      }
    }
  }
}

function imagePath(sim: SimulatedGate, image: string): string {
  return isAbsolute(image) ? image : resolve(sim.facesDir, image);
}

async function perform(step: ScenarioStep, sim: SimulatedGate): Promise<void> {
  const hw = sim.hardware;
  switch (step.do) {
    case "swipe":
      if (sim.readers) await sim.readers.swipe(step.card);
      else hw.swipe(step.card);
      break;
    case "pin":
      if (sim.readers) await sim.readers.typeKeys(step.code === undefined ? `${step.pin}#` : `${step.code}*${step.pin}#`);
      else hw.typePin(step.pin, step.code);
      break;
    case "keys":
      if (sim.readers) await sim.readers.typeKeys(step.keys);
      else hw.typeKeys(step.keys);
      break;
    case "present_face":
      await hw.presentFace(imagePath(sim, step.image), step.region ? { region: step.region } : {});
      break;
    case "leave":
      hw.leave();
      break;
    case "exit":
      hw.pressExit();
      break;
    case "open_door":
      hw.openDoor();
      break;
    case "force_door":
      hw.forceDoor();
      break;
    case "close_door":
      hw.closeDoor();
      break;
    case "advance":
      // Time passes for the whole device: the gate's housekeeping and the on-device
      // expiry sweep (consent expiry, end of access rights) run as they would.
      await sim.gate.idle();
      sim.clock.advance(step.ms);
      sim.timers.runDue();
      await sim.gate.tick();
      break;
    case "tick":
      await sim.gate.tick();
      break;
    case "disconnect":
      hw.disconnect(step.device);
      break;
    case "reconnect":
      hw.reconnect(step.device);
      break;
    case "break_analyzer":
    case "repair_analyzer":
      if (!sim.analyzer) throw new ConfigError(`${step.do}: no face pipeline is wired`);
      sim.analyzer.failing = step.do === "break_analyzer";
      break;
    case "load_policies":
      sim.access.loadPolicies(step.gates);
      break;
    case "put_person":
      await sim.access.putPerson(step.person);
      break;
  }
  await sim.gate.idle();
}

function checkStep(step: ScenarioStep, r: StepResult, stepEvents: FacegateEvent[], logCount: number, displayKinds: string[]): void {
  const x = step.expect;
  if (!x) {
    if (r.error) r.failures.push(`unexpected error ${r.error.code}: ${r.error.message}`);
    return;
  }
  if (x.error !== undefined) {
    if (!r.error) r.failures.push(`expected error ${x.error}, but the step succeeded`);
    else if (r.error.code !== x.error) r.failures.push(`expected error ${x.error}, got ${r.error.code}: ${r.error.message}`);
    if (x.errorContains && r.error && !r.error.message.includes(x.errorContains)) r.failures.push(`error message does not contain "${x.errorContains}": ${r.error.message}`);
  } else if (r.error) {
    r.failures.push(`unexpected error ${r.error.code}: ${r.error.message}`);
  }
  if (x.decision !== undefined) {
    const got = r.decision === null ? "none" : r.decision.granted ? "granted" : "denied";
    if (got !== x.decision) r.failures.push(`expected decision ${x.decision}, got ${got}${r.decision ? ` (${String(r.decision.reason)})` : ""}`);
  }
  if (x.reason !== undefined && r.decision?.reason !== x.reason) r.failures.push(`expected reason ${x.reason}, got ${String(r.decision?.reason ?? "none")}`);
  if (x.method !== undefined && r.decision?.method !== x.method) r.failures.push(`expected method ${x.method}, got ${String(r.decision?.method ?? "none")}`);
  if (x.pulses !== undefined && r.pulses !== x.pulses) r.failures.push(`expected ${x.pulses} relay pulses so far, got ${r.pulses}`);
  for (const text of x.display === undefined ? [] : Array.isArray(x.display) ? x.display : [x.display]) {
    if (!r.display.some((d) => d.includes(text))) r.failures.push(`display never showed "${text}" (showed: ${JSON.stringify(r.display)})`);
  }
  for (const kind of x.displayKinds ?? []) if (!displayKinds.includes(kind)) r.failures.push(`display showed no "${kind}" message`);
  for (const type of x.events ?? []) if (!r.events.includes(type)) r.failures.push(`expected event ${type} (got ${JSON.stringify(r.events)})`);
  for (const type of x.noEvents ?? []) if (r.events.includes(type)) r.failures.push(`unexpected event ${type}`);
  if (x.noEventsAtAll && stepEvents.length > 0) r.failures.push(`expected no events, got ${JSON.stringify(r.events)}`);
  if (x.noLogs && logCount > 0) r.failures.push(`expected no log records, got ${logCount}`);
}

export async function runScenario(scenario: Scenario, sim: SimulatedGate): Promise<ScenarioResult> {
  const result: ScenarioResult = { name: scenario.name, covers: scenario.covers ?? [], passed: false, missing: [], steps: [], events: sim.events.events, failures: [] };
  for (const req of scenario.requires ?? []) {
    if (req === "face" && !sim.pipeline) result.missing.push(REQUIREMENT_TEXT[req]);
  }
  if (result.missing.length > 0) {
    result.failures.push(`not run: needs ${result.missing.join("; ")}`);
    return result;
  }
  try {
    await setUpPeople(scenario, sim);
  } catch (err) {
    result.failures.push(`set-up failed: ${isFacegateError(err) ? `${err.code}: ${err.message}` : (err as Error).message}`);
    return result;
  }
  for (const [index, step] of scenario.steps.entries()) {
    const ev0 = sim.events.events.length;
    const log0 = sim.logs.records.length;
    const disp0 = sim.hardware.display.history.length;
    const r: StepResult = { index, do: step.do, passed: true, failures: [], decision: null, events: [], display: [], pulses: 0 };
    if (step.note) r.note = step.note;
    try {
      await perform(step, sim);
    } catch (err) {
      await sim.gate.idle();
      r.error = isFacegateError(err) ? { code: err.code, message: err.message } : { code: "error", message: (err as Error).message };
    }
    const stepEvents = sim.events.events.slice(ev0);
    r.events = stepEvents.map((e) => e.type);
    const lastDecision = [...stepEvents].reverse().find((e) => e.type === "access.granted" || e.type === "access.denied");
    if (lastDecision) {
      r.decision = { granted: lastDecision.type === "access.granted", method: lastDecision.data["method"], reason: lastDecision.data["reason"] };
      if (lastDecision.data["personRef"] !== undefined) r.decision.personRef = lastDecision.data["personRef"];
    }
    const shown = sim.hardware.display.history.slice(disp0);
    r.display = shown.map((m) => m.text);
    r.pulses = sim.hardware.relay.pulses.length;
    checkStep(step, r, stepEvents, sim.logs.records.length - log0, shown.map((m) => m.message.kind));
    r.passed = r.failures.length === 0;
    result.steps.push(r);
  }
  const types = new Set(sim.events.events.map((e) => e.type));
  const x = scenario.expect ?? {};
  for (const t of x.eventTypes ?? []) if (!types.has(t)) result.failures.push(`expected an event ${t} in the run`);
  for (const t of x.noEventTypes ?? []) if (types.has(t)) result.failures.push(`event ${t} must not occur`);
  if (x.pulses !== undefined && sim.hardware.relay.pulses.length !== x.pulses) result.failures.push(`expected ${x.pulses} relay pulses in all, got ${sim.hardware.relay.pulses.length}`);
  result.failures.push(...findLeaks(sim.events.events, sim.logs.records, secretsOf(scenario)));
  result.passed = result.failures.length === 0 && result.steps.every((s) => s.passed);
  return result;
}
