/**
 * The obligations every hardware contract shares (sdk/hal/device.ts), written once and
 * included by each kind's suite: status and its reports, throwing listeners,
 * unsubscribing, and, for input devices, no input while disconnected, nor later: an
 * input given while disconnected is not delivered once the device is back (a card
 * shown to a reader that was offline must not open the door minutes later).
 */
import { expect } from "vitest";
import type { DeviceStatus, HardwareDevice, HardwareKind, Unsubscribe } from "../../hal/device.js";
import type { Obligation } from "../contract-kit.js";
import type { DeviceFixture } from "./hal-kit.js";

/** How a suite makes an input device deliver one input, and listens for it. */
export interface InputProbe<F> {
  /** What one input is called in messages: "card read", "key press". */
  what: string;
  listen(fixture: F, listener: () => void): Unsubscribe;
  /** Gives one stimulus (a card presented, a key pressed); the suite calls settle() after. */
  stimulate(fixture: F): void | Promise<void>;
  /** Why this kind has no "held input" check (a door sensor reports, once back, where the door went). */
  noHeldInputCheck?: string;
}

function recorder(device: HardwareDevice): { seen: DeviceStatus[]; off: Unsubscribe } {
  const seen: DeviceStatus[] = [];
  return { seen, off: device.onStatus((s) => seen.push(s)) };
}

export function deviceObligations<F extends DeviceFixture<HardwareDevice>>(kind: HardwareKind, input?: InputProbe<F>): Array<Obligation<F>> {
  const obligations: Array<Obligation<F>> = [
    {
      name: `is a ${kind} with an opaque, non-empty id, connected once created`,
      async check(f) {
        expect(f.device.kind).toBe(kind);
        expect(typeof f.device.id === "string" && f.device.id.length > 0, "id: a non-empty string").toBe(true);
        expect(f.device.status).toBe("connected");
      },
    },
    {
      name: "status is always current, and each change is reported once to every onStatus listener",
      async check(f) {
        const a = recorder(f.device);
        const b = recorder(f.device);
        await f.disconnect();
        await f.settle();
        expect(f.device.status).toBe("disconnected");
        expect(a.seen).toEqual(["disconnected"]);
        expect(b.seen).toEqual(["disconnected"]);
        await f.reconnect();
        await f.settle();
        expect(f.device.status).toBe("connected");
        expect(a.seen).toEqual(["disconnected", "connected"]);
        expect(b.seen).toEqual(["disconnected", "connected"]);
      },
    },
    {
      name: "never reports the same status twice in a row",
      async check(f) {
        const a = recorder(f.device);
        await f.disconnect();
        await f.settle();
        await f.disconnect();
        await f.settle();
        await f.reconnect();
        await f.settle();
        await f.reconnect();
        await f.settle();
        expect(a.seen).toEqual(["disconnected", "connected"]);
      },
    },
    {
      name: "a status listener that throws stops neither the other listeners nor the device",
      async check(f) {
        f.device.onStatus(() => {
          throw new Error("a failing status listener");
        });
        const a = recorder(f.device);
        await f.disconnect();
        await f.settle();
        await f.reconnect();
        await f.settle();
        expect(a.seen).toEqual(["disconnected", "connected"]);
        expect(f.device.status).toBe("connected");
      },
    },
    {
      name: "unsubscribing from status stops only that listener, and is harmless twice",
      async check(f) {
        const gone = recorder(f.device);
        const kept = recorder(f.device);
        gone.off();
        gone.off();
        await f.disconnect();
        await f.settle();
        expect(gone.seen).toEqual([]);
        expect(kept.seen).toEqual(["disconnected"]);
      },
    },
  ];
  if (!input) return obligations;
  return [
    ...obligations,
    {
      name: `while disconnected, delivers no ${input.what}; once back, delivers again`,
      async check(f) {
        let got = 0;
        input.listen(f, () => got++);
        await f.disconnect();
        await f.settle();
        await input.stimulate(f);
        await f.settle();
        expect(got, `${input.what}s delivered while disconnected`).toBe(0);
        await f.reconnect();
        await f.settle();
        got = 0; // a door sensor may report once where the door went meanwhile (door-sensor.ts)
        await input.stimulate(f);
        await f.settle();
        expect(got, `${input.what}s delivered once reconnected`).toBe(1);
      },
    },
    ...(input.noHeldInputCheck !== undefined
      ? []
      : [
          {
            name: `a ${input.what} given while disconnected is not delivered once back`,
            async check(f: F) {
              let got = 0;
              input.listen(f, () => got++);
              await f.disconnect();
              await f.settle();
              await input.stimulate(f);
              await f.settle();
              await f.reconnect();
              await f.settle();
              expect(got, `${input.what}s given while disconnected, delivered once back`).toBe(0);
            },
          },
        ]),
    {
      name: `a ${input.what} listener that throws stops neither the other listeners nor the device`,
      async check(f) {
        input.listen(f, () => {
          throw new Error("a failing listener");
        });
        let got = 0;
        input.listen(f, () => got++);
        await input.stimulate(f);
        await f.settle();
        await input.stimulate(f);
        await f.settle();
        expect(got).toBe(2);
        expect(f.device.status).toBe("connected");
      },
    },
    {
      name: `unsubscribing a ${input.what} listener stops only that listener, and is harmless twice`,
      async check(f) {
        let gone = 0;
        let kept = 0;
        const off = input.listen(f, () => gone++);
        input.listen(f, () => kept++);
        off();
        off();
        await input.stimulate(f);
        await f.settle();
        expect(gone).toBe(0);
        expect(kept).toBe(1);
      },
    },
  ];
}
