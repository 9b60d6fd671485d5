/**
 * Encoders and decoders of the OSDP message data this project uses. Every decoder
 * checks lengths and throws OsdpFrameError on a malformed payload. Platform-free.
 */
import { CAP } from "./codes.js";
import { OsdpFrameError } from "./frame.js";

function need(data: Uint8Array, min: number, what: string, exact = false): void {
  if (exact ? data.length !== min : data.length < min) throw new OsdpFrameError(`${what}: ${data.length} data bytes, expected ${exact ? "" : "at least "}${min}`);
}

// ---- osdp_PDID ---------------------------------------------------------------------------

export interface ReaderIdentity {
  /** IEEE OUI, 6 hex digits. */
  vendorCode: string;
  model: number;
  version: number;
  serialNumber: number;
  /** "major.minor.build". */
  firmware: string;
}

export function encodePdid(id: ReaderIdentity): Uint8Array {
  const out = new Uint8Array(12);
  const vendor = Number.parseInt(id.vendorCode, 16);
  out.set([vendor >> 16, (vendor >> 8) & 0xff, vendor & 0xff, id.model, id.version], 0);
  new DataView(out.buffer).setUint32(5, id.serialNumber >>> 0, true);
  out.set(id.firmware.split(".").map((n) => Number(n) & 0xff), 9);
  return out;
}

export function decodePdid(data: Uint8Array): ReaderIdentity {
  need(data, 12, "osdp_PDID");
  const hex = (b: number) => b.toString(16).padStart(2, "0");
  return {
    vendorCode: `${hex(data[0]!)}${hex(data[1]!)}${hex(data[2]!)}`.toUpperCase(),
    model: data[3]!,
    version: data[4]!,
    serialNumber: new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(5, true),
    firmware: `${data[9]}.${data[10]}.${data[11]}`,
  };
}

// ---- osdp_PDCAP --------------------------------------------------------------------------

export interface Capability {
  code: number;
  compliance: number;
  count: number;
}

export function encodePdcap(caps: readonly Capability[]): Uint8Array {
  return Uint8Array.from(caps.flatMap((c) => [c.code, c.compliance, c.count]));
}

export function decodePdcap(data: Uint8Array): Capability[] {
  if (data.length % 3 !== 0) throw new OsdpFrameError(`osdp_PDCAP: ${data.length} data bytes, not a multiple of 3`);
  const caps: Capability[] = [];
  for (let i = 0; i < data.length; i += 3) caps.push({ code: data[i]!, compliance: data[i + 1]!, count: data[i + 2]! });
  return caps;
}

/** What the driver makes of a reader's capabilities. */
export interface ReaderFeatures {
  crc: boolean;
  secureChannel: boolean;
  leds: number;
  buzzer: boolean;
  /** Text display size, or null without one. */
  text: { rows: number; columns: number } | null;
}

const TEXT_SIZES: Record<number, { rows: number; columns: number }> = { 1: { rows: 1, columns: 16 }, 2: { rows: 2, columns: 16 }, 3: { rows: 4, columns: 16 } };

export function readerFeatures(caps: readonly Capability[]): ReaderFeatures {
  const cap = (code: number) => caps.find((c) => c.code === code);
  const text = cap(CAP.TEXT_OUTPUT);
  return {
    crc: (cap(CAP.CHECK_CHARACTER)?.compliance ?? 0) === 1,
    secureChannel: ((cap(CAP.COMMUNICATION_SECURITY)?.compliance ?? 0) & 0x01) === 1,
    leds: cap(CAP.LED_CONTROL)?.count ?? 0,
    buzzer: (cap(CAP.AUDIBLE_OUTPUT)?.compliance ?? 0) > 0,
    text: text && text.compliance > 0 ? (TEXT_SIZES[text.compliance] ?? { rows: Math.max(1, text.count), columns: 16 }) : null,
  };
}

// ---- osdp_LSTATR -------------------------------------------------------------------------

export interface LocalStatus {
  tamper: boolean;
  powerFailure: boolean;
}

export function encodeLstatr(s: LocalStatus): Uint8Array {
  return Uint8Array.from([s.tamper ? 1 : 0, s.powerFailure ? 1 : 0]);
}

export function decodeLstatr(data: Uint8Array): LocalStatus {
  need(data, 2, "osdp_LSTATR", true);
  return { tamper: data[0] !== 0, powerFailure: data[1] !== 0 };
}

// ---- osdp_RAW ----------------------------------------------------------------------------

export interface RawCard {
  reader: number;
  /** 0x00 raw bits of unspecified format, 0x01 Wiegand (P/data/P). */
  format: number;
  bitCount: number;
  /** Bits packed most significant first, left justified. Secret. */
  data: Uint8Array;
}

export function encodeRaw(card: RawCard): Uint8Array {
  const out = new Uint8Array(4 + card.data.length);
  out.set([card.reader, card.format, card.bitCount & 0xff, card.bitCount >> 8]);
  out.set(card.data, 4);
  return out;
}

export function decodeRaw(data: Uint8Array): RawCard {
  need(data, 4, "osdp_RAW");
  const bitCount = data[2]! | (data[3]! << 8);
  if (bitCount === 0 || data.length - 4 !== Math.ceil(bitCount / 8)) throw new OsdpFrameError(`osdp_RAW: ${bitCount} bits do not fit ${data.length - 4} data bytes`);
  return { reader: data[0]!, format: data[1]!, bitCount, data: data.slice(4) };
}

// ---- osdp_KEYPAD -------------------------------------------------------------------------

/** '*' is sent as ASCII DEL (0x7F) and '#' as CR (0x0D); plain '*' and '#' are accepted too. */
export function encodeKeypad(reader: number, keys: string): Uint8Array {
  const codes = [...keys].map((k) => (k === "*" ? 0x7f : k === "#" ? 0x0d : k.charCodeAt(0)));
  return Uint8Array.from([reader, codes.length, ...codes]);
}

export function decodeKeypad(data: Uint8Array): { reader: number; keys: string[] } {
  need(data, 2, "osdp_KEYPAD");
  if (data.length !== 2 + data[1]!) throw new OsdpFrameError(`osdp_KEYPAD: digit count ${data[1]} does not match ${data.length - 2} bytes`);
  const keys = [...data.subarray(2)].map((c) => (c === 0x7f ? "*" : c === 0x0d ? "#" : String.fromCharCode(c)));
  return { reader: data[0]!, keys };
}

// ---- osdp_LED, osdp_BUZ, osdp_TEXT -------------------------------------------------------

export const LED_COLOR = { black: 0, red: 1, green: 2, amber: 3, blue: 4 } as const;

export interface LedCommand {
  reader: number;
  led: number;
  /** Temporary state (returns to the permanent one by itself after `timer` x 100 ms); null: cancel any. */
  temporary: { onTime: number; offTime: number; onColor: number; offColor: number; timer: number } | null;
  /** Permanent state; null: leave it. */
  permanent: { onTime: number; offTime: number; onColor: number; offColor: number } | null;
}

export function encodeLed(cmd: LedCommand): Uint8Array {
  const t = cmd.temporary;
  const p = cmd.permanent;
  return Uint8Array.from([
    cmd.reader,
    cmd.led,
    t ? 2 : 1,
    t?.onTime ?? 0,
    t?.offTime ?? 0,
    t?.onColor ?? 0,
    t?.offColor ?? 0,
    (t?.timer ?? 0) & 0xff,
    (t?.timer ?? 0) >> 8,
    p ? 1 : 0,
    p?.onTime ?? 0,
    p?.offTime ?? 0,
    p?.onColor ?? 0,
    p?.offColor ?? 0,
  ]);
}

export function decodeLed(data: Uint8Array): LedCommand {
  need(data, 14, "osdp_LED");
  return {
    reader: data[0]!,
    led: data[1]!,
    temporary: data[2] === 2 ? { onTime: data[3]!, offTime: data[4]!, onColor: data[5]!, offColor: data[6]!, timer: data[7]! | (data[8]! << 8) } : null,
    permanent: data[9] === 1 ? { onTime: data[10]!, offTime: data[11]!, onColor: data[12]!, offColor: data[13]! } : null,
  };
}

export interface BuzzerCommand {
  reader: number;
  /** 1 off, 2 default tone. */
  tone: number;
  onTime: number;
  offTime: number;
  /** 0: until told otherwise. */
  count: number;
}

export function encodeBuz(cmd: BuzzerCommand): Uint8Array {
  return Uint8Array.from([cmd.reader, cmd.tone, cmd.onTime, cmd.offTime, cmd.count]);
}

export function decodeBuz(data: Uint8Array): BuzzerCommand {
  need(data, 5, "osdp_BUZ", true);
  return { reader: data[0]!, tone: data[1]!, onTime: data[2]!, offTime: data[3]!, count: data[4]! };
}

export interface TextCommand {
  reader: number;
  /** 1 permanent without wrap. */
  command: number;
  row: number;
  column: number;
  text: string;
}

export function encodeText(cmd: TextCommand): Uint8Array {
  const text = [...cmd.text].map((c) => (c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) < 0x7f ? c.charCodeAt(0) : 0x3f));
  return Uint8Array.from([cmd.reader, cmd.command, 0, cmd.row, cmd.column, text.length, ...text]);
}

export function decodeText(data: Uint8Array): TextCommand {
  need(data, 6, "osdp_TEXT");
  if (data.length !== 6 + data[5]!) throw new OsdpFrameError("osdp_TEXT: text length does not match");
  return { reader: data[0]!, command: data[1]!, row: data[3]!, column: data[4]!, text: String.fromCharCode(...data.subarray(6)) };
}

// ---- osdp_KEYSET, osdp_CCRYPT ------------------------------------------------------------

export function encodeKeyset(scbk: Uint8Array): Uint8Array {
  return Uint8Array.from([0x01, scbk.length, ...scbk]);
}

/** The new SCBK of a KEYSET. Secret. */
export function decodeKeyset(data: Uint8Array): Uint8Array {
  need(data, 2, "osdp_KEYSET");
  if (data[0] !== 0x01 || data[1] !== 16 || data.length !== 18) throw new OsdpFrameError("osdp_KEYSET: expected key type 1 (SCBK) with 16 bytes");
  return data.slice(2);
}

export interface Ccrypt {
  clientUid: Uint8Array;
  rndB: Uint8Array;
  cryptogram: Uint8Array;
}

export function encodeCcrypt(c: Ccrypt): Uint8Array {
  return Uint8Array.from([...c.clientUid, ...c.rndB, ...c.cryptogram]);
}

export function decodeCcrypt(data: Uint8Array): Ccrypt {
  need(data, 32, "osdp_CCRYPT", true);
  return { clientUid: data.slice(0, 8), rndB: data.slice(8, 16), cryptogram: data.slice(16, 32) };
}
