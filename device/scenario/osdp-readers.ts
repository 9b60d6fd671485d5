/**
 * A scenario's card reader and keypad on the OSDP driver (issue 16): the real control
 * panel (device/drivers/osdp) over a socat pty pair, against the project's simulated
 * reader (simulator/osdp), in the Secure Channel (commissioned in install mode first, then
 * required, as an installer does). A scenario opts in with `"readers": "osdp"`; its
 * `swipe`, `pin` and `keys` steps then go to the simulated reader and the step waits until
 * the driver has delivered them to the gate. The driver's polls run on real time (they
 * are the serial line's), the gate on the scenario's clock.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HardwareError } from "../../sdk/errors.js";
import type { CardReader } from "../../sdk/hal/card-reader.js";
import type { Keypad } from "../../sdk/hal/keypad.js";
import type { Logger } from "../../sdk/log/logger.js";
import type { Clock } from "../../sdk/time/clock.js";
import { openPtyPair } from "../../simulator/osdp/pty-pair.js";
import { SimOsdpBus } from "../../simulator/osdp/sim-osdp-bus.js";
import { SimOsdpReader } from "../../simulator/osdp/sim-osdp-reader.js";
import { type OsdpDrivers, createOsdpDrivers } from "../drivers/osdp/create-osdp-drivers.js";
import type { OsdpSettings } from "../drivers/osdp/osdp-settings.js";

/** The devices a scenario's input steps use instead of the simulated card reader and keypad. */
export interface ScenarioReaders {
  cardReader: CardReader;
  keypad: Keypad;
  /** Presents a card (its number as hexadecimal, as the driver reports raw card bits) and waits until the gate has it. */
  swipe(cardNumber: string): Promise<void>;
  /** Presses keys at the reader and waits until the gate has them all. */
  typeKeys(keys: string): Promise<void>;
  close(): Promise<void>;
}

const DELIVERY_TIMEOUT_MS = 5_000;

export async function openOsdpReaders(options: { clock: Clock; logger: Logger }): Promise<ScenarioReaders> {
  const pty = await openPtyPair();
  const reader = new SimOsdpReader({ address: 0 });
  const bus = await SimOsdpBus.open({ path: pty.readers, readers: [reader] });
  const dir = mkdtempSync(join(tmpdir(), "facegate-scenario-osdp-"));
  const settings = (secureChannel: OsdpSettings["secureChannel"]): OsdpSettings => ({
    port: pty.panel,
    baudRate: 115_200,
    secureChannel,
    keyFile: join(dir, "osdp", "keys.json"),
    readers: [{ address: 0, display: false }],
    replyTimeoutMs: 200,
    retries: 4,
    pollIntervalMs: 10,
    offlineRetryMs: 100,
  });
  const build = (mode: OsdpSettings["secureChannel"]) => createOsdpDrivers(settings(mode), { clock: options.clock, logger: options.logger, idPrefix: "scenario" });
  let drivers: OsdpDrivers | undefined;
  const closeAll = async () => {
    await drivers?.close();
    await bus.close();
    await pty.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // Commissioning: the default install key once, then the reader's own key; from then on the Secure Channel is required.
    const install = build("install");
    await until(() => install.primary.state().connected && reader.scbk !== null, 10_000, "the reader commissioned");
    await install.close();
    drivers = build("required");
    const primary = drivers.primary;
    await until(() => primary.state().connected && primary.state().secure, 10_000, "the reader in the Secure Channel");
    let cards = 0;
    let keys = 0;
    primary.cardReader.onCard(() => cards++);
    primary.keypad.onKey(() => keys++);
    return {
      cardReader: primary.cardReader,
      keypad: primary.keypad,
      async swipe(cardNumber) {
        if (!/^[0-9A-Fa-f]{1,16}$/.test(cardNumber)) throw new HardwareError("hardware_invalid_request", "an OSDP scenario card must be hexadecimal (1-16 digits)", {});
        const before = cards;
        reader.presentCard([...cardNumber].map((d) => Number.parseInt(d, 16).toString(2).padStart(4, "0")).join(""));
        await until(() => cards > before, DELIVERY_TIMEOUT_MS, "the card read through OSDP");
      },
      async typeKeys(pressed) {
        const before = keys;
        reader.pressKeys(pressed);
        await until(() => keys >= before + pressed.length, DELIVERY_TIMEOUT_MS, "the keys through OSDP");
      },
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new HardwareError("hardware_failed", `${what}: not within ${timeoutMs} ms`, {});
    await new Promise((r) => setTimeout(r, 5));
  }
}
