/**
 * OSDP frames, both directions:
 *
 *   SOM 0x53 | ADDR (0x80 set on replies) | LEN lsb msb (whole frame) | CTRL |
 *   [security block: length, type, data] | code | data | [MAC, 4 bytes] | CRC-16 lsb msb or checksum
 *
 * CTRL holds the sequence number (bits 0-1), the CRC flag (bit 2: CRC-16, else an 8-bit
 * checksum) and the security block flag (bit 3). Security blocks of type 0x15-0x18 mean
 * a MAC follows the data. `FrameParser` reads a byte stream (RS-485 carries noise,
 * partial frames and other devices' traffic) and resynchronises on the next SOM after
 * anything that is not a whole, correctly checked frame. Platform-free.
 */
import { HardwareError } from "../errors.js";
import { checksum8, crc16 } from "./check.js";

export const SOM = 0x53;
const HEADER = 5;
export const MAX_FRAME_BYTES = 1440;
const MAC_BYTES = 4;

export interface FrameFields {
  address: number;
  reply: boolean;
  sqn: number;
  /** true: CRC-16; false: 8-bit checksum. */
  crc: boolean;
  /** Security block type and data (the length byte is added here). */
  scb?: { type: number; data: Uint8Array } | undefined;
  code: number;
  data?: Uint8Array | undefined;
}

export interface OsdpFrame {
  address: number;
  reply: boolean;
  sqn: number;
  crc: boolean;
  scb: { type: number; data: Uint8Array } | null;
  code: number;
  /** The data as sent (still encrypted under security block types 0x17 and 0x18). */
  data: Uint8Array;
  mac: Uint8Array | null;
  /** What the MAC covers: SOM to the end of the data. */
  authenticated: Uint8Array;
  raw: Uint8Array;
}

export class OsdpFrameError extends HardwareError {
  constructor(problem: string) {
    super("osdp_frame_invalid", `OSDP frame: ${problem}`);
  }
}

export function hasMac(scbType: number | undefined): boolean {
  return scbType !== undefined && scbType >= 0x15 && scbType <= 0x18;
}

/**
 * Encodes a frame. `mac`, when given, is called with the bytes the MAC covers and
 * returns the 4 MAC bytes; the length field already counts them.
 */
export function encodeFrame(fields: FrameFields, mac?: (authenticated: Uint8Array) => Uint8Array): Uint8Array {
  if (!Number.isInteger(fields.address) || fields.address < 0 || fields.address > 0x7f) throw new OsdpFrameError("address must be 0-127");
  if (!Number.isInteger(fields.sqn) || fields.sqn < 0 || fields.sqn > 3) throw new OsdpFrameError("sequence number must be 0-3");
  const data = fields.data ?? new Uint8Array(0);
  const scbLen = fields.scb ? 2 + fields.scb.data.length : 0;
  const withMac = mac !== undefined;
  if (withMac !== hasMac(fields.scb?.type)) throw new OsdpFrameError("a MAC goes with security block types 0x15-0x18 and only with them");
  const body = HEADER + scbLen + 1 + data.length;
  const total = body + (withMac ? MAC_BYTES : 0) + (fields.crc ? 2 : 1);
  if (total > MAX_FRAME_BYTES) throw new OsdpFrameError(`frame of ${total} bytes exceeds ${MAX_FRAME_BYTES}`);
  const out = new Uint8Array(total);
  out[0] = SOM;
  out[1] = fields.address | (fields.reply ? 0x80 : 0);
  out[2] = total & 0xff;
  out[3] = total >> 8;
  out[4] = fields.sqn | (fields.crc ? 0x04 : 0) | (fields.scb ? 0x08 : 0);
  let at = HEADER;
  if (fields.scb) {
    out[at++] = scbLen;
    out[at++] = fields.scb.type;
    out.set(fields.scb.data, at);
    at += fields.scb.data.length;
  }
  out[at++] = fields.code;
  out.set(data, at);
  at += data.length;
  if (mac) {
    const m = mac(out.subarray(0, at));
    if (m.length !== MAC_BYTES) throw new OsdpFrameError("the MAC must be 4 bytes");
    out.set(m, at);
    at += MAC_BYTES;
  }
  if (fields.crc) {
    const c = crc16(out, 0, at);
    out[at] = c & 0xff;
    out[at + 1] = c >> 8;
  } else {
    out[at] = checksum8(out, 0, at);
  }
  return out;
}

/** Decodes one whole frame, or says what is wrong with it. */
function parse(bytes: Uint8Array): OsdpFrame | string {
  if (bytes.length < HEADER + 2) return "too short";
  if (bytes[0] !== SOM) return "no start of message";
  const len = bytes[2]! | (bytes[3]! << 8);
  if (len !== bytes.length) return `length field ${len} does not match ${bytes.length} bytes`;
  const ctrl = bytes[4]!;
  const crc = (ctrl & 0x04) !== 0;
  const end = len - (crc ? 2 : 1);
  if (crc) {
    if (crc16(bytes, 0, end) !== (bytes[end]! | (bytes[end + 1]! << 8))) return "CRC mismatch";
  } else if (checksum8(bytes, 0, end) !== bytes[end]) {
    return "checksum mismatch";
  }
  let at = HEADER;
  let scb: OsdpFrame["scb"] = null;
  if (ctrl & 0x08) {
    const scbLen = bytes[at]!;
    if (scbLen < 2 || at + scbLen >= end) return "bad security block length";
    scb = { type: bytes[at + 1]!, data: bytes.slice(at + 2, at + scbLen) };
    at += scbLen;
  }
  const macAt = hasMac(scb?.type) ? end - MAC_BYTES : end;
  if (macAt <= at) return "no command or reply code";
  return {
    address: bytes[1]! & 0x7f,
    reply: (bytes[1]! & 0x80) !== 0,
    sqn: ctrl & 0x03,
    crc,
    scb,
    code: bytes[at]!,
    data: bytes.slice(at + 1, macAt),
    mac: macAt < end ? bytes.slice(macAt, end) : null,
    authenticated: bytes.slice(0, macAt),
    raw: bytes.slice(),
  };
}

export function decodeFrame(bytes: Uint8Array): OsdpFrame {
  const result = parse(bytes);
  if (typeof result === "string") throw new OsdpFrameError(result);
  return result;
}

/** Length announced by a candidate frame starting at `at`, or -1 if it cannot be a frame. */
function announcedLength(buf: Uint8Array, at: number, available: number): number {
  if (available - at < 4) return 0;
  const len = buf[at + 2]! | (buf[at + 3]! << 8);
  return len < HEADER + 2 || len > MAX_FRAME_BYTES ? -1 : len;
}

/**
 * Streaming parser. Bytes that cannot start a whole, correctly checked frame are
 * skipped (and counted in `discarded`); an incomplete frame is awaited unless a later
 * start of message already holds a whole valid frame, so a stray 0x53 that announces a
 * long frame cannot hide the reply behind it.
 */
export class FrameParser {
  private buf = new Uint8Array(4 * MAX_FRAME_BYTES);
  private len = 0;
  discarded = 0;

  push(chunk: Uint8Array): OsdpFrame[] {
    if (chunk.length > this.buf.length - this.len) {
      // Only garbage can overflow: keep the newest bytes.
      const keep = Math.max(0, this.buf.length - chunk.length);
      this.drop(this.len - Math.min(this.len, keep));
      if (chunk.length > this.buf.length) {
        this.discarded += chunk.length - this.buf.length;
        chunk = chunk.subarray(chunk.length - this.buf.length);
      }
    }
    this.buf.set(chunk, this.len);
    this.len += chunk.length;
    const frames: OsdpFrame[] = [];
    for (;;) {
      const som = this.buf.subarray(0, this.len).indexOf(SOM);
      if (som < 0) {
        this.drop(this.len);
        break;
      }
      this.drop(som);
      const need = announcedLength(this.buf, 0, this.len);
      if (need < 0) {
        this.drop(1);
        continue;
      }
      if (need === 0 || need > this.len) {
        const later = this.laterWholeFrame();
        if (later < 0) break;
        this.drop(later);
        continue;
      }
      const frame = parse(this.buf.subarray(0, need));
      if (typeof frame === "string") {
        this.drop(1);
        continue;
      }
      frames.push(frame);
      this.drop(need, false);
    }
    return frames;
  }

  /** Forgets buffered bytes (before a new command: stale bytes answer nothing). */
  reset(): void {
    this.drop(this.len);
  }

  private laterWholeFrame(): number {
    for (let at = 1; at < this.len; at++) {
      if (this.buf[at] !== SOM) continue;
      const need = announcedLength(this.buf, at, this.len);
      if (need > 0 && at + need <= this.len && typeof parse(this.buf.subarray(at, at + need)) !== "string") return at;
    }
    return -1;
  }

  private drop(n: number, garbage = true): void {
    if (n <= 0) return;
    if (garbage) this.discarded += n;
    this.buf.copyWithin(0, n, this.len);
    this.len -= n;
  }
}
