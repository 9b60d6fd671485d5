/**
 * Positive controls of the hardware contract suites (sdk/testing/hal): every obligation
 * of every suite fails on a device that breaks it (faulty-devices.ts), and the same
 * devices without faults pass every obligation, so each failure is the fault's doing.
 * A suite whose check cannot fail would show here as a control that passes.
 */
import { describe, expect, it } from "vitest";
import type { HardwareDevice } from "../../../../sdk/hal/device.js";
import {
  type ContractEnv,
  type DeviceFixture,
  type Obligation,
  cameraObligations,
  cardReaderObligations,
  checkObligation,
  displayObligations,
  doorRelayObligations,
  doorSensorObligations,
  exitButtonObligations,
  indicatorObligations,
  keypadObligations,
} from "../../../../sdk/testing/hal/index.js";
import { FaultyCamera, FaultyCardReader, FaultyDisplay, FaultyDoorSensor, FaultyExitButton, FaultyIndicator, FaultyKeypad, FaultyRelay, type Faults } from "./faulty-devices.js";

function base<D extends HardwareDevice & { disconnect(): void; reconnect(): void }>(device: D) {
  return { device, disconnect: () => device.disconnect(), reconnect: () => device.reconnect(), settle: async () => {}, close: () => {} };
}

interface SuiteUnderControl {
  name: string;
  // The fixture types differ per suite; each entry pairs a suite with its own factory.
  obligations: ReadonlyArray<Obligation<never>>;
  create(faults: Faults): (env: ContractEnv) => Promise<DeviceFixture<HardwareDevice>>;
  /** Obligation name -> faults, each of which alone must make it fail. */
  controls: Record<string, readonly string[]>;
}

/** The obligations every device shares (device-obligations.ts), by name, with the faults that break them. */
function sharedControls(kind: string, input?: string): Record<string, readonly string[]> {
  const shared: Record<string, readonly string[]> = {
    [`is a ${kind} with an opaque, non-empty id, connected once created`]: ["starts_disconnected", "empty_id"],
    "status is always current, and each change is reported once to every onStatus listener": ["status_stale", "first_listener_only"],
    "never reports the same status twice in a row": ["repeats_status"],
    "a status listener that throws stops neither the other listeners nor the device": ["throwing_listener_stops_the_rest"],
    "unsubscribing from status stops only that listener, and is harmless twice": ["unsubscribe_removes_all"],
  };
  if (!input) return shared;
  return {
    ...shared,
    [`while disconnected, delivers no ${input}; once back, delivers again`]: ["input_while_disconnected"],
    ...(kind === "door_sensor" || kind === "camera" ? {} : { [`a ${input} given while disconnected is not delivered once back`]: ["holds_input_until_reconnect"] }),
    [`a ${input} listener that throws stops neither the other listeners nor the device`]: ["throwing_listener_stops_the_rest"],
    [`unsubscribing a ${input} listener stops only that listener, and is harmless twice`]: ["unsubscribe_removes_all"],
  };
}

const SUITES: SuiteUnderControl[] = [
  {
    name: "card reader",
    obligations: cardReaderObligations,
    create: (faults) => async (env) => {
      const d = new FaultyCardReader(env, faults);
      return { ...base(d), cards: ["2242469", "0A1B2C3D"] as const, present: (c: string) => d.present(c), logText: () => d.logText() };
    },
    controls: {
      ...sharedControls("card_reader", "card read"),
      "reports each card presented while connected once to every onCard listener, in order": ["reports_twice", "first_listener_only"],
      "reports the card number as the digits or hex characters it decodes": ["formats_the_number"],
      "stamps each read with the time from the gate's Clock": ["stamps_with_date_now"],
      "never logs a card number": ["logs_secrets"],
    },
  },
  {
    name: "keypad",
    obligations: keypadObligations,
    create: (faults) => async (env) => {
      const d = new FaultyKeypad(env, faults);
      return { ...base(d), press: (k: Parameters<FaultyKeypad["press"]>[0]) => d.press(k), logText: () => d.logText() };
    },
    controls: {
      ...sharedControls("keypad", "key press"),
      "reports each of the twelve keys pressed while connected once, in order, to every onKey listener": ["swallows_star", "first_listener_only"],
      "reports keys only, as they are pressed: it never buffers them nor waits for # or *": ["buffers_until_hash"],
      "stamps each key press with the time from the gate's Clock": ["stamps_with_date_now"],
      "never logs the keys pressed (they may be a PIN)": ["logs_secrets"],
    },
  },
  {
    name: "door relay",
    obligations: doorRelayObligations,
    create: (faults) => async (env) => {
      const d = new FaultyRelay(env, faults);
      return { ...base(d), unlocked: () => d.unlocked() };
    },
    controls: {
      ...sharedControls("door_relay"),
      "starts locked, with a positive, finite maxUnlockMs": ["starts_unlocked"],
      "unlock(durationMs) resolves once the lock is released": ["resolves_before_release"],
      "re-locks by itself durationMs after the unlock": ["never_relocks"],
      "unlock while unlocked extends the unlock to end durationMs from now": ["never_extends"],
      "unlock while unlocked never shortens the unlock": ["shortens"],
      "lock() re-locks at once, and the ended unlock does not come back": ["lock_does_nothing"],
      "refuses a duration that is not positive, finite and at most maxUnlockMs (hardware_invalid_request), and the lock stays as it was": ["accepts_any_duration", "throws_at_once"],
      "while disconnected, unlock and lock reject with hardware_disconnected; once back they work": ["operates_while_disconnected", "throws_at_once"],
    },
  },
  {
    name: "door sensor",
    obligations: doorSensorObligations,
    create: (faults) => async (env) => {
      const d = new FaultyDoorSensor(env, faults);
      return { ...base(d), move: (s: "open" | "closed") => d.move(s) };
    },
    controls: {
      ...sharedControls("door_sensor", "door change"),
      "state is the current position: closed at the start, then wherever the door was moved": ["state_is_not_current"],
      "reports every change once to every onChange listener, with the time from the gate's Clock": ["stamps_with_date_now", "first_listener_only"],
      "a repeated reading of the same position is not a change": ["repeat_is_a_change"],
      "while disconnected, state keeps the last known position and no change is reported": ["state_unknown_while_disconnected", "input_while_disconnected"],
      "once back, reports a door that moved meanwhile once, as one change to where it is now": ["stale_after_reconnect"],
      "once back, reports nothing when the door is where it was": ["reports_on_return_regardless"],
    },
  },
  {
    name: "exit button",
    obligations: exitButtonObligations,
    create: (faults) => async (env) => {
      const d = new FaultyExitButton(env, faults);
      return { ...base(d), push: () => d.push() };
    },
    controls: {
      ...sharedControls("exit_button", "press"),
      "reports each press while connected once to every onPress listener": ["reports_twice", "first_listener_only"],
      "stamps each press with the time from the gate's Clock": ["stamps_with_date_now"],
    },
  },
  {
    name: "camera",
    obligations: cameraObligations,
    create: (faults) => async (env) => {
      const d = new FaultyCamera(env, faults);
      return { ...base(d), capture: () => d.capture() };
    },
    controls: {
      ...sharedControls("camera", "frame"),
      "delivers every frame produced while connected to every onFrame listener, in order, once each": ["stamps_backwards", "first_listener_only"],
      "stamps each frame with the time it was captured, from the gate's Clock": ["stamps_with_date_now"],
      "delivers each frame as encoded image bytes (JPEG, PNG, WebP) or a tightly packed RGB frame (data.length = width x height x 3)": ["not_an_image", "padded_rows"],
    },
  },
  {
    name: "display",
    obligations: displayObligations,
    create: (faults) => async (env) => {
      const d = new FaultyDisplay(env, faults);
      return { ...base(d), screen: () => d.screen() };
    },
    controls: {
      ...sharedControls("display"),
      "show(message) resolves once the message is shown": ["shows_after_resolving"],
      "show(message) replaces what is on screen": ["appends"],
      "shows every kind of message: idle, prompt, granted, denied and menu texts, with each menu option": ["shows_text_only"],
      "shows a processing notice in full, with its version (L3)": ["cuts_long_text"],
      "shows a deletion receipt's id, time and verification code (L11)": ["shows_text_only"],
      "while disconnected, show rejects with hardware_disconnected; once back it shows again": ["operates_while_disconnected"],
    },
  },
  {
    name: "indicator",
    obligations: indicatorObligations,
    create: (faults) => async (env) => {
      const d = new FaultyIndicator(env, faults);
      return { ...base(d), pattern: () => d.pattern(), returnsToIdleWithinMs: d.returnsToIdleWithinMs };
    },
    controls: {
      ...sharedControls("indicator"),
      "signal(kind) switches to that pattern and resolves once it is applied": ["applies_after_resolving"],
      "granted, denied and attention return to idle by themselves after a short time": ["stays_on"],
      "idle and alarm stay until another signal": ["alarm_ends_by_itself"],
      "a new signal replaces a temporary one, and its own time counts from then": ["keeps_a_stale_timer"],
      "while disconnected, signal rejects with hardware_disconnected; once back it signals again": ["operates_while_disconnected"],
    },
  },
];

/** Runs one obligation of a suite on its device with `faults`. */
function run(suite: SuiteUnderControl, obligation: Obligation<never>, faults: readonly string[]): Promise<void> {
  return checkObligation(obligation as unknown as Obligation<DeviceFixture<HardwareDevice>>, suite.create(new Set(faults)));
}

describe.each(SUITES)("the $name suite", (suite) => {
  it("has a control for every obligation, and none for an obligation it lacks", () => {
    expect(suite.obligations.map((o) => o.name).sort()).toEqual(Object.keys(suite.controls).sort());
  });

  it("passes on the faulty device with no fault", async () => {
    for (const obligation of suite.obligations) await run(suite, obligation, []);
  });

  it("fails each obligation on a device with a fault that breaks it", async () => {
    const passed: string[] = [];
    for (const obligation of suite.obligations) {
      for (const fault of suite.controls[obligation.name] ?? []) {
        const failed = await run(suite, obligation, [fault]).then(
          () => false,
          () => true,
        );
        if (!failed) passed.push(`${obligation.name} [${fault}]`);
      }
    }
    expect(passed, "obligations that did not fail on their fault").toEqual([]);
  });
});
