/**
 * `createOsdpDrivers(settings, { clock, logger })`: one OSDP bus with its readers, each
 * reader behind the sdk/hal contracts. The serial port opens in the background and the
 * readers connect on their own; until a reader is connected its devices say
 * "disconnected". Wire a reader's devices into the gate's GateHardware, e.g.
 *
 *   const osdp = createOsdpDrivers(settings, { clock, logger });
 *   hardware = { ...rest, cardReader: osdp.primary.cardReader, keypad: osdp.primary.keypad, indicator: osdp.primary.indicator };
 *
 * and `osdp.onEvent` into the operator's alarms (tamper, power, Secure Channel failures).
 */
import { randomBytes } from "node:crypto";
import type { Unsubscribe } from "../../../sdk/hal/device.js";
import { Listeners } from "../../../sdk/hal/listeners.js";
import type { Logger } from "../../../sdk/log/logger.js";
import type { Clock } from "../../../sdk/time/clock.js";
import type { Timers } from "../../../sdk/time/timers.js";
import { OsdpBus } from "./osdp-bus.js";
import { OsdpCardReader, OsdpDisplay, OsdpIndicator, OsdpKeypad } from "./osdp-devices.js";
import type { OsdpSettings } from "./osdp-settings.js";
import type { OsdpReaderEvent, OsdpReaderState } from "./reader-events.js";
import { FileReaderKeys, type ReaderKeys } from "./reader-keys.js";
import { ReaderSession } from "./reader-session.js";
import { type ByteLink, SerialLink } from "./serial-link.js";

export interface OsdpReaderDevices {
  address: number;
  cardReader: OsdpCardReader;
  keypad: OsdpKeypad;
  indicator: OsdpIndicator;
  /** Present when the settings ask for the reader's display. */
  display?: OsdpDisplay;
  state(): OsdpReaderState;
}

export interface OsdpDrivers {
  /** One entry per configured reader, in the order of the settings. */
  readers: OsdpReaderDevices[];
  /** The first reader: the gate's card reader and keypad on a one-reader door. */
  primary: OsdpReaderDevices;
  bus: OsdpBus;
  onEvent(listener: (event: OsdpReaderEvent) => void): Unsubscribe;
  /** With `start: false`: runs each reader's start sequence once, in turn, and reports. */
  probe(): Promise<OsdpReaderState[]>;
  close(): Promise<void>;
}

export interface OsdpDriverOptions {
  clock: Clock;
  logger: Logger;
  /** For the bus (reply timeouts, polls, retries); default: the process timers. */
  timers?: Timers;
  /** The gate's timers, for what the gate's time governs: the display's page turns. Default: `timers`. */
  gateTimers?: Timers;
  /** How long the reader's display shows each page of a long message; default 4000 ms. */
  displayPageMs?: number;
  /** Default: node:crypto. Used for RND.A and new reader keys. */
  random?: (bytes: number) => Uint8Array;
  /** Default: the key file of the settings. */
  keys?: ReaderKeys;
  /** Default: the serial port of the settings. */
  link?: ByteLink;
  /** Device ids are `<idPrefix>.reader-<address>.<kind>`; default "osdp". */
  idPrefix?: string;
  /** false: create the readers without starting their loops (facegate osdp scan probes them). */
  start?: boolean;
}

export const processTimers: Timers = {
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
};

export function createOsdpDrivers(settings: OsdpSettings, options: OsdpDriverOptions): OsdpDrivers {
  const logger = options.logger.child("osdp");
  const timers = options.timers ?? processTimers;
  const random = options.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
  const link = options.link ?? new SerialLink({ path: settings.port, baudRate: settings.baudRate, logger });
  const keys = options.keys ?? new FileReaderKeys(settings.keyFile, () => options.clock.now());
  const bus = new OsdpBus({ link, timers, replyTimeoutMs: settings.replyTimeoutMs, logger });
  const events = new Listeners<OsdpReaderEvent>();
  const prefix = options.idPrefix ?? "osdp";
  const sessions: ReaderSession[] = [];
  const readers = settings.readers.map((r): OsdpReaderDevices => {
    const session = new ReaderSession({
      address: r.address,
      bus,
      mode: settings.secureChannel,
      keys,
      clock: options.clock,
      timers,
      random,
      logger,
      events,
      retries: settings.retries,
      pollIntervalMs: settings.pollIntervalMs,
      offlineRetryMs: settings.offlineRetryMs,
    });
    sessions.push(session);
    const id = (kind: string) => `${prefix}.reader-${r.address}.${kind}`;
    return {
      address: r.address,
      cardReader: new OsdpCardReader(id("card-reader"), session),
      keypad: new OsdpKeypad(id("keypad"), session),
      indicator: new OsdpIndicator(id("indicator"), session),
      ...(r.display ? { display: new OsdpDisplay(id("display"), session, { timers: options.gateTimers ?? timers, pageMs: options.displayPageMs ?? 4000 }) } : {}),
      state: () => session.snapshot(),
    };
  });
  if (options.start !== false) for (const s of sessions) s.start();
  let closed = false;
  return {
    readers,
    primary: readers[0]!,
    bus,
    onEvent: (listener) => events.add(listener),
    async probe() {
      const states: OsdpReaderState[] = [];
      for (const s of sessions) {
        await s.probe();
        states.push(s.snapshot());
      }
      return states;
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(sessions.map((s) => s.stop()));
      await link.close();
    },
  };
}
