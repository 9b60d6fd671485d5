/**
 * The door sensor contract (sdk/hal/door-sensor.ts) as a suite. Run it on a driver with
 *
 *   doorSensorContract({ name: "my reed contact", create: async ({ clock, timers }) => ({ device, move, disconnect, reconnect, settle, close }) });
 *
 * The door is closed when the factory resolves. The factory provides, besides
 * DeviceFixture (hal-kit.ts):
 * - `move(state)`: the door physically moves to "open" or "closed" (moving it where it
 *   already is changes nothing). A debouncing driver may take its debounce time: move
 *   time on with `timers` inside `settle()` if it must.
 */
import { expect } from "vitest";
import type { DoorChange, DoorSensor, DoorState } from "../../hal/door-sensor.js";
import { type ContractOptions, type Obligation, registerContract } from "../contract-kit.js";
import { type DeviceFixture, expectStamped, expectStampedInputs } from "./hal-kit.js";
import { deviceObligations } from "./device-obligations.js";

export interface DoorSensorFixture extends DeviceFixture<DoorSensor> {
  move(state: DoorState): void | Promise<void>;
}

function changes(f: DoorSensorFixture): DoorChange[] {
  const got: DoorChange[] = [];
  f.device.onChange((c) => got.push(c));
  return got;
}

async function move(f: DoorSensorFixture, state: DoorState): Promise<void> {
  await f.move(state);
  await f.settle();
}

/** Opens the door, disconnects the sensor (state must stay "open"), then moves the door unseen; the changes reported from the disconnect on. */
async function openThenMoveUnseen(f: DoorSensorFixture, moves: readonly DoorState[]): Promise<DoorChange[]> {
  await move(f, "open");
  const got = changes(f);
  await f.disconnect();
  await f.settle();
  expect(f.device.state, "the last known position").toBe("open");
  for (const state of moves) await move(f, state);
  return got;
}

export const doorSensorObligations: ReadonlyArray<Obligation<DoorSensorFixture>> = [
  ...deviceObligations<DoorSensorFixture>("door_sensor", {
    what: "door change",
    listen: (f, l) => f.device.onChange(l),
    stimulate: (f) => f.move(f.device.state === "open" ? "closed" : "open"),
    noHeldInputCheck: "once back, a door sensor reports where the door went meanwhile",
  }),
  {
    name: "state is the current position: closed at the start, then wherever the door was moved",
    async check(f) {
      expect(f.device.state).toBe("closed");
      await move(f, "open");
      expect(f.device.state).toBe("open");
      await move(f, "closed");
      expect(f.device.state).toBe("closed");
    },
  },
  {
    name: "reports every change once to every onChange listener, with the time from the gate's Clock",
    async check(f, env) {
      const a = changes(f);
      const b = changes(f);
      await expectStampedInputs(env, f, [() => f.move("open"), () => f.move("closed")], () => a.at(-1)?.at, "change.at");
      expect(a.map((c) => c.state)).toEqual(["open", "closed"]);
      expect(b).toEqual(a);
    },
  },
  {
    name: "a repeated reading of the same position is not a change",
    async check(f) {
      const got = changes(f);
      await move(f, "open");
      await move(f, "open");
      await move(f, "closed");
      await move(f, "closed");
      expect(got.map((c) => c.state)).toEqual(["open", "closed"]);
    },
  },
  {
    name: "while disconnected, state keeps the last known position and no change is reported",
    async check(f) {
      const got = await openThenMoveUnseen(f, ["closed", "open", "closed"]);
      expect(got, "changes reported while disconnected").toEqual([]);
      expect(f.device.state, "the last known position, after the door moved unseen").toBe("open");
    },
  },
  {
    name: "once back, reports a door that moved meanwhile once, as one change to where it is now",
    async check(f, env) {
      const got = await openThenMoveUnseen(f, ["closed", "open", "closed"]);
      env.clock.advance(1_000);
      const before = env.clock.now();
      await f.reconnect();
      await f.settle();
      expect(got.map((c) => c.state)).toEqual(["closed"]);
      expectStamped(got[0]?.at, before, env.clock.now(), "change.at");
      expect(f.device.state).toBe("closed");
    },
  },
  {
    name: "once back, reports nothing when the door is where it was",
    async check(f) {
      const got = await openThenMoveUnseen(f, ["closed", "open"]);
      await f.reconnect();
      await f.settle();
      expect(got).toEqual([]);
      expect(f.device.state).toBe("open");
    },
  },
];

export function doorSensorContract(options: ContractOptions<DoorSensorFixture>): void {
  registerContract("door sensor contract (sdk/hal/door-sensor.ts)", options, doorSensorObligations);
}
