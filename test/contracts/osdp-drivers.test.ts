/**
 * The hardware contract suites (sdk/testing/hal) over the OSDP driver
 * (device/drivers/osdp): card reader, keypad, indicator and display of one reader, over
 * a real pty pair (socat) against the simulated reader (simulator/osdp), with the Secure
 * Channel established.
 *
 * The bus runs on real time (reply timeouts, polls); the devices read the gate's clock
 * (the suite's ManualClock) for their stamps, and the display turns its pages with the
 * suite's ManualTimers. The simulated reader times its LED on the same clock, as a real
 * reader does on its own. `disconnect()` makes the reader silent (a cut cable);
 * `settle()` waits until the status the fixture expects is reached and, while connected,
 * for three more polls (everything queued before them has been sent and answered).
 */
import type { DeviceStatus } from "../../sdk/hal/device.js";
import type { IndicatorSignal } from "../../sdk/hal/indicator.js";
import { CMD } from "../../sdk/osdp/codes.js";
import { LED_COLOR } from "../../sdk/osdp/messages.js";
import { wiegand26Bits } from "../../sdk/osdp/card-data.js";
import { type ContractEnv, advance, cardReaderContract, displayContract, indicatorContract, keypadContract } from "../../sdk/testing/hal/index.js";
import { SimOsdpReader } from "../../simulator/osdp/sim-osdp-reader.js";
import { type OsdpFixture, describeWithSocat, openOsdpFixture, waitFor } from "../support/osdp-fixture.js";

const PAGE_MS = 4_000;
/** Card numbers as the driver reports them (hex of the Wiegand 26-bit frame's payload), and their bits. */
const CARDS: Record<string, string> = { "2242469": wiegand26Bits(18, 4660), "224246A": wiegand26Bits(18, 4661) };

interface OsdpContractFixture {
  fx: OsdpFixture;
  reader: SimOsdpReader;
  disconnect(): void;
  reconnect(): void;
  settle(): Promise<void>;
  close(): Promise<void>;
}

async function osdpReader(env: ContractEnv): Promise<OsdpContractFixture> {
  const reader = new SimOsdpReader({ address: 0, clock: env.clock });
  const fx = await openOsdpFixture([reader], {}, { clock: env.clock, gateTimers: env.timers, displayPageMs: PAGE_MS });
  const status = () => fx.drivers.primary.cardReader.status;
  const polls = () => reader.received.filter((c) => c === CMD.POLL).length;
  let expected: DeviceStatus = "connected";
  const settle = async () => {
    await waitFor(() => status() === expected, 10_000, `the reader ${expected}`);
    if (expected === "disconnected") return;
    const seen = polls();
    await waitFor(() => polls() >= seen + 3, 10_000, "three more polls");
  };
  await settle();
  return {
    fx,
    reader,
    disconnect: () => {
      reader.silent = true;
      expected = "disconnected";
    },
    reconnect: () => {
      reader.silent = false;
      expected = "connected";
    },
    settle,
    close: () => fx.close(),
  };
}

describeWithSocat("hardware contracts over the OSDP driver (pty, simulated reader, Secure Channel)", () => {
  cardReaderContract({
    name: "OSDP card reader",
    create: async (env) => {
      const f = await osdpReader(env);
      return {
        ...f,
        device: f.fx.drivers.primary.cardReader,
        cards: ["2242469", "224246A"],
        present: (card: string) => f.reader.presentCard(CARDS[card]!),
        logText: () => f.fx.logs.text(),
      };
    },
  });

  keypadContract({
    name: "OSDP keypad",
    create: async (env) => {
      const f = await osdpReader(env);
      return { ...f, device: f.fx.drivers.primary.keypad, press: (key: string) => f.reader.pressKeys(key), logText: () => f.fx.logs.text() };
    },
  });

  indicatorContract({
    name: "OSDP LED and buzzer",
    create: async (env) => {
      const f = await osdpReader(env);
      return { ...f, device: f.fx.drivers.primary.indicator, pattern: () => ledPattern(f.reader), returnsToIdleWithinMs: 3_000 };
    },
  });

  displayContract({
    name: "OSDP reader's text display (2 x 16, paged)",
    create: async (env) => {
      const f = await osdpReader(env);
      const fixture = {
        ...f,
        device: f.fx.drivers.primary.display!,
        // Every page of the message, in order: the display turns them on the gate's timers.
        screen: async () => {
          const first = f.reader.text.join("");
          const pages = [first];
          for (let i = 0; i < 200; i++) {
            await advance(env, fixture, PAGE_MS);
            const now = f.reader.text.join("");
            if (now === first) break;
            pages.push(now);
          }
          // Rows are joined as they are: a full row is a word continued on the next (OsdpDisplay).
          return pages.join("");
        },
      };
      return fixture;
    },
  });
});

/** The indicator pattern the simulated reader's LED shows now (the driver's patterns, osdp-devices.ts). */
function ledPattern(reader: SimOsdpReader): IndicatorSignal {
  const led = reader.ledState();
  if (!led) throw new Error("the LED was never set");
  const is = (color: number, on: number, off: number) => led.onColor === color && led.onTime === on && led.offTime === off;
  if (is(LED_COLOR.green, 20, 0)) return "granted";
  if (is(LED_COLOR.red, 2, 2)) return "denied";
  if (is(LED_COLOR.amber, 3, 3)) return "attention";
  if (is(LED_COLOR.red, 1, 1)) return "alarm";
  if (is(LED_COLOR.red, 1, 0)) return "idle";
  throw new Error(`the LED shows no pattern of the driver: ${JSON.stringify(led)}`);
}
