/**
 * The keypad contract (sdk/hal/keypad.ts) as a suite. Run it on a driver with
 *
 *   keypadContract({ name: "my keypad", create: async ({ clock, timers }) => ({ device, press, logText, disconnect, reconnect, settle, close }) });
 *
 * The factory provides, besides DeviceFixture (hal-kit.ts):
 * - `press(key)`: one of the twelve keys is pressed (and released);
 * - `logText()`: everything the implementation logged so far, as text ("" if it has no
 *   logger), to check keys (PIN digits) never reach it.
 */
import { expect } from "vitest";
import { KEYPAD_KEYS, type KeyPress, type Keypad, type KeypadKey } from "../../hal/keypad.js";
import { type ContractOptions, type Obligation, registerContract } from "../contract-kit.js";
import { type DeviceFixture, expectNotLogged, expectStampedInputs } from "./hal-kit.js";
import { deviceObligations } from "./device-obligations.js";

export interface KeypadFixture extends DeviceFixture<Keypad> {
  press(key: KeypadKey): void | Promise<void>;
  logText(): string;
}

function presses(f: KeypadFixture): KeyPress[] {
  const got: KeyPress[] = [];
  f.device.onKey((k) => got.push(k));
  return got;
}

async function typeKeys(f: KeypadFixture, keys: string): Promise<void> {
  for (const key of keys) {
    await f.press(key as KeypadKey);
    await f.settle();
  }
}

/** Not a PIN anyone uses; long enough that a match in a log is no accident. */
const PIN = "73916408";

export const keypadObligations: ReadonlyArray<Obligation<KeypadFixture>> = [
  ...deviceObligations<KeypadFixture>("keypad", { what: "key press", listen: (f, l) => f.device.onKey(l), stimulate: (f) => f.press("5") }),
  {
    name: "reports each of the twelve keys pressed while connected once, in order, to every onKey listener",
    async check(f) {
      const a = presses(f);
      const b = presses(f);
      await typeKeys(f, KEYPAD_KEYS.join(""));
      expect(a.map((k) => k.key).join("")).toBe("0123456789*#");
      expect(b.map((k) => k.key).join("")).toBe("0123456789*#");
    },
  },
  {
    name: "reports keys only, as they are pressed: it never buffers them nor waits for # or *",
    async check(f) {
      const got = presses(f);
      await f.press("4");
      await f.settle();
      expect(got.map((k) => k.key)).toEqual(["4"]);
      await f.press("#");
      await f.settle();
      await f.press("#");
      await f.settle();
      expect(got.map((k) => k.key)).toEqual(["4", "#", "#"]);
    },
  },
  {
    name: "stamps each key press with the time from the gate's Clock",
    async check(f, env) {
      const got = presses(f);
      await expectStampedInputs(env, f, [() => f.press("1"), () => f.press("#")], () => got.at(-1)?.at, "press.at");
    },
  },
  {
    name: "never logs the keys pressed (they may be a PIN)",
    async check(f) {
      const got = presses(f);
      await typeKeys(f, `${PIN}#`);
      expect(got).toHaveLength(PIN.length + 1);
      // Keys logged one per line are found too: between the PIN's digits, anything but another key.
      expectNotLogged(f.logText(), [PIN], "a PIN typed on the keypad", {
        planted: (pin) => pin.split("").map((key) => `{"level":"debug","msg":"key pressed","key":"${key}"}\n`).join(""),
        gap: { between: "^0-9*#", max: 80 },
      });
    },
  },
];

export function keypadContract(options: ContractOptions<KeypadFixture>): void {
  registerContract("keypad contract (sdk/hal/keypad.ts)", options, keypadObligations);
}
