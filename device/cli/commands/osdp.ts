/**
 * `facegate osdp scan|watch --port PATH [--baud N] [--address A] [--scbk HEX]
 * [--key-file PATH] [--install] [--clear] [--timeout MS] [--seconds N] [--json]`: the
 * installer's tools at the door.
 *
 * scan: finds the readers on the bus (every address 0-126, or --address A) and reports
 * each: address, vendor code, model, serial number, firmware, capabilities, and whether
 * the Secure Channel was established (with --scbk, a key file entry, or --install).
 * watch: runs the bus and prints card reads (bit length and a masked number) and key
 * presses (digits masked) until stopped or for --seconds N; --json: one object a line.
 *
 * --install commissions readers still on the default key: each gets its own random key,
 * kept in --key-file (mode 0600). Keys and card numbers are never printed.
 */
import { resolve } from "node:path";
import { type Logger, createLogger, jsonLineSink } from "../../../sdk/log/logger.js";
import { CAP, CMD } from "../../../sdk/osdp/codes.js";
import { encodeFrame } from "../../../sdk/osdp/frame.js";
import { systemClock } from "../../../sdk/time/clock.js";
import { type OsdpDrivers, createOsdpDrivers, processTimers } from "../../drivers/osdp/create-osdp-drivers.js";
import { OsdpBus } from "../../drivers/osdp/osdp-bus.js";
import { OSDP_BAUD_RATES, type OsdpSettings, type SecureChannelMode } from "../../drivers/osdp/osdp-settings.js";
import type { OsdpReaderEvent, OsdpReaderState } from "../../drivers/osdp/reader-events.js";
import { FileReaderKeys, FixedReaderKeys, type ReaderKeys } from "../../drivers/osdp/reader-keys.js";
import { SerialLink } from "../../drivers/osdp/serial-link.js";
import { type ParsedArgs, intValue, parseArgs, requireValue } from "../args.js";
import { type CliIo, EXIT } from "../cli-io.js";
import { commandUsage, dispatch, type Subcommand, UsageProblem } from "../usage.js";

export const summary = "find OSDP readers on a bus and watch their cards and keys, masked (scan | watch --port PATH)";

const KEY_NOTES = [
  "  --install     give readers still on the default key their own key, kept in --key-file",
  "  --scbk HEX    one reader key on the command line (visible to `ps`; prefer --key-file)",
];

const SCAN_USAGE = [
  "usage: facegate osdp scan --port PATH [--baud N] [--address A] [--scbk HEX | --key-file PATH [--install]] [--timeout MS] [--json]",
  "  Reports each reader found (address, vendor code, model, serial number, firmware,",
  "  capabilities) and whether the Secure Channel was established.",
  ...KEY_NOTES,
  "  --timeout MS  reply timeout while searching the bus (default 200, as in the specification)",
].join("\n");

const WATCH_USAGE = [
  "usage: facegate osdp watch --port PATH [--baud N] [--address A] [--scbk HEX | --key-file PATH [--install] | --clear] [--seconds N] [--json]",
  "  Prints card reads (bit length, masked number) and key presses (digits masked) until",
  "  stopped or --seconds N; with --json one object per line.",
  ...KEY_NOTES,
  "  --clear       watch a reader without the Secure Channel (only for readers that lack it)",
].join("\n");

const SPEC = { values: ["port", "baud", "address", "scbk", "key-file", "timeout", "seconds"], flags: ["install", "clear"] } as const;

const SUBCOMMANDS: Record<string, Subcommand> = {
  scan: { usage: SCAN_USAGE, run: (argv, io) => scan(common(parseArgs(argv, { ...SPEC, usage: SCAN_USAGE }), io, "scan"), io) },
  watch: {
    usage: WATCH_USAGE,
    run: (argv, io) => {
      const args = parseArgs(argv, { ...SPEC, usage: WATCH_USAGE });
      return watch(common(args, io, "watch"), args, io);
    },
  },
};

export const subcommands: readonly string[] = Object.keys(SUBCOMMANDS);
export const usage = commandUsage("osdp", SUBCOMMANDS, ["  Card numbers and keys are never shown whole."]);

const CAP_NAMES: Record<number, string> = {
  [CAP.CONTACT_STATUS]: "contact status monitoring",
  [CAP.OUTPUT_CONTROL]: "output control",
  [CAP.CARD_DATA_FORMAT]: "card data format",
  [CAP.LED_CONTROL]: "reader LED control",
  [CAP.AUDIBLE_OUTPUT]: "reader audible output",
  [CAP.TEXT_OUTPUT]: "reader text output",
  [CAP.TIME_KEEPING]: "time keeping",
  [CAP.CHECK_CHARACTER]: "check character support",
  [CAP.COMMUNICATION_SECURITY]: "communication security",
  [CAP.RECEIVE_BUFFER]: "receive buffer size",
  [CAP.LARGEST_MESSAGE]: "largest combined message size",
  [CAP.SMART_CARD]: "smart card support",
  [CAP.READERS]: "readers",
  [CAP.BIOMETRICS]: "biometrics",
  [CAP.SECURE_PIN_ENTRY]: "secure PIN entry",
  [CAP.OSDP_VERSION]: "OSDP version",
};

/** All but the last two characters hidden: enough to tell two cards apart at the door. */
export function maskCardNumber(cardNumber: string): string {
  const shown = cardNumber.length > 4 ? 2 : 0;
  return "*".repeat(cardNumber.length - shown) + cardNumber.slice(cardNumber.length - shown);
}

interface Common {
  settings: OsdpSettings;
  /** Reply timeout while searching the bus; talking to a reader found uses the specification's 200 ms. */
  searchTimeoutMs: number;
  keys: ReaderKeys;
  json: boolean;
  logger: Logger;
}

function common(args: ParsedArgs, io: CliIo, action: "scan" | "watch"): Common {
  const port = resolve(io.cwd, requireValue(args, "port"));
  const baudRate = intValue(args, "baud", 115_200);
  if (!(OSDP_BAUD_RATES as readonly number[]).includes(baudRate)) throw new UsageProblem(`--baud must be one of ${OSDP_BAUD_RATES.join(", ")}`, args.usage);
  const address = args.values["address"] === undefined ? undefined : intValue(args, "address", 0, 0);
  if (address !== undefined && address > 126) throw new UsageProblem("--address must be 0-126", args.usage);
  const scbkHex = args.values["scbk"];
  const keyFile = args.values["key-file"];
  const install = args.flags.has("install");
  const clear = args.flags.has("clear");
  if (scbkHex !== undefined && !/^[0-9a-fA-F]{32}$/.test(scbkHex)) throw new UsageProblem("--scbk must be 32 hexadecimal digits (a 16-byte key)", args.usage);
  if (scbkHex !== undefined && keyFile !== undefined) throw new UsageProblem("give either --scbk or --key-file, not both", args.usage);
  if (install && keyFile === undefined) throw new UsageProblem("--install needs --key-file: the readers' new keys must be kept", args.usage);
  if (clear && (scbkHex !== undefined || keyFile !== undefined || install)) throw new UsageProblem("--clear runs without keys: drop --scbk, --key-file and --install", args.usage);
  const hasKey = scbkHex !== undefined || keyFile !== undefined;
  if (action === "watch" && !hasKey && !clear) throw new UsageProblem("watch needs a key (--scbk HEX, --key-file PATH, --install --key-file PATH) or, for a reader without the Secure Channel, --clear", args.usage);
  const mode: SecureChannelMode = install ? "install" : hasKey ? "required" : "clear";
  const keys = keyFile !== undefined ? new FileReaderKeys(resolve(io.cwd, keyFile), () => systemClock.now()) : new FixedReaderKeys(scbkHex ? Uint8Array.from(Buffer.from(scbkHex, "hex")) : null);
  const settings: OsdpSettings = {
    port,
    baudRate,
    secureChannel: mode,
    keyFile: keyFile ?? "",
    readers: address === undefined ? [] : [{ address, display: false }],
    replyTimeoutMs: 200,
    retries: 2,
    pollIntervalMs: 20,
    offlineRetryMs: 1000,
  };
  const logger = createLogger({ sink: jsonLineSink((l) => io.err(l.trimEnd())), level: "error", now: () => systemClock.now() });
  return { settings, searchTimeoutMs: intValue(args, "timeout", 200, 20), keys, json: args.flags.has("json"), logger };
}

/**
 * Addresses that answer a POLL (sequence 0). An answer that comes after the search
 * timeout, while the next address is being asked, still counts: a slow reader is found.
 */
async function discover(link: SerialLink, replyTimeoutMs: number, logger: Logger): Promise<number[]> {
  const bus = new OsdpBus({ link, timers: processTimers, replyTimeoutMs, logger });
  const found = new Set<number>();
  bus.strays.add((frame) => {
    if (frame.reply && frame.sqn === 0) found.add(frame.address);
  });
  for (let address = 0; address <= 126; address++) {
    const poll = encodeFrame({ address, reply: false, sqn: 0, crc: true, code: CMD.POLL });
    if (await bus.exchange(address, poll, 0, 1)) found.add(address);
  }
  // Last call for a late answer to the last addresses.
  await new Promise((r) => setTimeout(r, 200));
  return [...found].sort((a, b) => a - b);
}

function describeReader(state: OsdpReaderState, mode: SecureChannelMode, events: OsdpReaderEvent[]) {
  const mine = events.filter((e) => e.address === state.address);
  const established = mine.find((e) => e.type === "secure_channel_established");
  const failed = mine.find((e) => e.type === "secure_channel_failed" || e.type === "secure_channel_lost");
  const secureChannel = mode === "clear" ? "not attempted (no key given)" : established ? "established" : `not established: ${failed && "reason" in failed ? failed.reason : state.problem ?? "unknown"}`;
  return {
    address: state.address,
    vendorCode: state.identity?.vendorCode ?? null,
    model: state.identity?.model ?? null,
    version: state.identity?.version ?? null,
    serialNumber: state.identity?.serialNumber ?? null,
    firmware: state.identity?.firmware ?? null,
    capabilities: (state.capabilities ?? []).map((c) => ({ function: c.code, name: CAP_NAMES[c.code] ?? "unknown", compliance: c.compliance, count: c.count })),
    checkCharacter: state.checkCharacter,
    secureChannel,
    secure: established !== undefined,
    keyInstalled: mine.some((e) => e.type === "key_installed"),
    /** Why the reader answered a POLL but could not be identified. */
    problem: state.identity ? null : state.problem,
  };
}

async function scan(c: Common, io: CliIo): Promise<number> {
  const link = new SerialLink({ path: c.settings.port, baudRate: c.settings.baudRate, logger: c.logger });
  let drivers: OsdpDrivers | undefined;
  try {
    const addresses = c.settings.readers.length > 0 ? c.settings.readers.map((r) => r.address) : await discover(link, c.searchTimeoutMs, c.logger);
    const settings = { ...c.settings, readers: addresses.map((address) => ({ address, display: false })) };
    const events: OsdpReaderEvent[] = [];
    const readers = [];
    if (addresses.length > 0) {
      drivers = createOsdpDrivers(settings, { clock: systemClock, logger: c.logger, keys: c.keys, link, start: false });
      drivers.onEvent((e) => events.push(e));
      for (const state of await drivers.probe()) readers.push(describeReader(state, settings.secureChannel, events));
    }
    if (c.json) io.out(JSON.stringify({ port: c.settings.port, baudRate: c.settings.baudRate, readers }));
    else if (readers.length === 0) io.out(`no OSDP reader answered on ${c.settings.port} at ${c.settings.baudRate} baud`);
    else {
      for (const r of readers) {
        if (r.problem) {
          io.out(`reader at address ${r.address}: answers, but cannot be identified (${r.problem})`);
          continue;
        }
        io.out(`reader at address ${r.address}: vendor ${r.vendorCode}, model ${r.model} version ${r.version}, serial number ${r.serialNumber}, firmware ${r.firmware}`);
        io.out(`  capabilities: ${r.capabilities.map((x) => `${x.name} (${x.compliance}/${x.count})`).join(", ")}`);
        io.out(`  check character: ${r.checkCharacter}; secure channel: ${r.secureChannel}${r.keyInstalled ? "; given its own key (kept in the key file)" : ""}`);
      }
    }
    return readers.length > 0 ? EXIT.ok : EXIT.failure;
  } finally {
    if (drivers) await drivers.close();
    else await link.close();
  }
}

async function watch(c: Common, args: ParsedArgs, io: CliIo): Promise<number> {
  const seconds = args.values["seconds"] === undefined ? undefined : intValue(args, "seconds", 1);
  if (c.settings.readers.length === 0) {
    const link = new SerialLink({ path: c.settings.port, baudRate: c.settings.baudRate, logger: c.logger });
    const found = await discover(link, c.searchTimeoutMs, c.logger);
    await link.close();
    if (found.length === 0) {
      io.err(`no OSDP reader answered on ${c.settings.port}`);
      return EXIT.failure;
    }
    c.settings.readers = found.map((address) => ({ address, display: false }));
  }
  const drivers = createOsdpDrivers(c.settings, { clock: systemClock, logger: c.logger, keys: c.keys });
  const print = (record: Record<string, unknown>, text: string) => io.out(c.json ? JSON.stringify(record) : text);
  drivers.onEvent((e) => {
    const { type, address, at, ...rest } = e;
    print({ type, address, at, ...rest }, `reader ${address}: ${type.replace(/_/g, " ")}${"reason" in e ? ` (${e.reason})` : ""}${"active" in e ? (e.active ? " on" : " off") : ""}${"failure" in e ? (e.failure ? " failure" : " restored") : ""}`);
  });
  for (const r of drivers.readers) {
    r.cardReader.onCardData((card) => print({ type: "card", address: r.address, at: card.at, bits: card.bitCount, card: maskCardNumber(card.cardNumber) }, `reader ${r.address}: card, ${card.bitCount} bits, ${maskCardNumber(card.cardNumber)}`));
    r.keypad.onKey((k) => {
      const key = /[0-9]/.test(k.key) ? "digit" : k.key;
      print({ type: "key", address: r.address, at: k.at, key }, `reader ${r.address}: key ${key}`);
    });
  }
  await new Promise<void>((done) => {
    const timer = seconds === undefined ? undefined : setTimeout(finish, seconds * 1000);
    function finish(): void {
      if (timer) clearTimeout(timer);
      process.off("SIGINT", finish);
      process.off("SIGTERM", finish);
      done();
    }
    process.once("SIGINT", finish);
    process.once("SIGTERM", finish);
  });
  await drivers.close();
  return EXIT.ok;
}

export function run(argv: string[], io: CliIo): Promise<number> {
  return dispatch(argv, io, SUBCOMMANDS, usage);
}
