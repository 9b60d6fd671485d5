/**
 * The exit button contract (sdk/hal/exit-button.ts) as a suite. Run it on a driver with
 *
 *   exitButtonContract({ name: "my button", create: async ({ clock, timers }) => ({ device, push, disconnect, reconnect, settle, close }) });
 *
 * The factory provides, besides DeviceFixture (hal-kit.ts):
 * - `push()`: the button is pressed and released once (a debouncing driver may take its
 *   debounce time: move time on with `timers` inside `settle()` if it must).
 */
import { expect } from "vitest";
import type { ExitButton, ExitPress } from "../../hal/exit-button.js";
import { type ContractOptions, type Obligation, registerContract } from "../contract-kit.js";
import { type DeviceFixture, expectStampedInputs } from "./hal-kit.js";
import { deviceObligations } from "./device-obligations.js";

export interface ExitButtonFixture extends DeviceFixture<ExitButton> {
  push(): void | Promise<void>;
}

function presses(f: ExitButtonFixture): ExitPress[] {
  const got: ExitPress[] = [];
  f.device.onPress((p) => got.push(p));
  return got;
}

export const exitButtonObligations: ReadonlyArray<Obligation<ExitButtonFixture>> = [
  ...deviceObligations<ExitButtonFixture>("exit_button", { what: "press", listen: (f, l) => f.device.onPress(l), stimulate: (f) => f.push() }),
  {
    name: "reports each press while connected once to every onPress listener",
    async check(f, env) {
      const a = presses(f);
      const b = presses(f);
      await f.push();
      await f.settle();
      env.clock.advance(1_000);
      await f.push();
      await f.settle();
      expect(a).toHaveLength(2);
      expect(b).toEqual(a);
    },
  },
  {
    name: "stamps each press with the time from the gate's Clock",
    async check(f, env) {
      const got = presses(f);
      await expectStampedInputs(env, f, [() => f.push(), () => f.push()], () => got.at(-1)?.at, "press.at");
      expect(got).toHaveLength(2);
    },
  },
];

export function exitButtonContract(options: ContractOptions<ExitButtonFixture>): void {
  registerContract("exit button contract (sdk/hal/exit-button.ts)", options, exitButtonObligations);
}
