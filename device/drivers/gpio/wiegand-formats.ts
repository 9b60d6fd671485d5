/**
 * Wiegand frame formats: what a complete frame of bits means, with its parity checks.
 *
 * - 26 bit (H10301): even parity over bits 1-13, 24 data bits (8 facility, 16 card),
 *   odd parity over bits 14-26.
 * - 34 bit: even parity over bits 1-17, 32 data bits, odd parity over bits 18-34.
 * - 4 bit keypad: one key, 0-9, 10 = `*`, 11 = `#` (HID and most readers).
 * - 8 bit keypad: the 4-bit code in the low nibble and its complement in the high one.
 *
 * Bits go out most significant first; D0 pulses are 0 bits and D1 pulses 1 bits. The
 * card number is reported as the data bits without parity, in hex (6 or 8 digits) or
 * decimal, whichever the installer's card printouts use. It is a credential (L2 card):
 * these functions never put it in a rejection.
 */
import type { KeypadKey } from "../../../sdk/hal/keypad.js";

export type CardNumberFormat = "hex" | "decimal";

export type WiegandFrame =
  | { kind: "card"; bits: 26 | 34; cardNumber: string }
  | { kind: "key"; bits: 4 | 8; key: KeypadKey }
  | { kind: "rejected"; bits: number; reason: WiegandRejection };

export type WiegandRejection = "length" | "parity" | "complement" | "unknown_key" | "noise" | "overlap" | "stuck_line" | "overflow";

const KEYS: readonly KeypadKey[] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#"];

function ones(bits: readonly number[], from: number, to: number): number {
  let n = 0;
  for (let i = from; i <= to; i++) n += bits[i]!;
  return n;
}

function value(bits: readonly number[], from: number, to: number): bigint {
  let v = 0n;
  for (let i = from; i <= to; i++) v = (v << 1n) | BigInt(bits[i]!);
  return v;
}

function cardFrame(bits: readonly number[], format: CardNumberFormat): WiegandFrame {
  const n = bits.length;
  const half = n / 2;
  // First half (with the leading parity bit) has even parity, second half (with the
  // trailing parity bit) odd parity.
  if (ones(bits, 0, half - 1) % 2 !== 0 || ones(bits, half, n - 1) % 2 !== 1) return { kind: "rejected", bits: n, reason: "parity" };
  const data = value(bits, 1, n - 2);
  const cardNumber = format === "hex" ? data.toString(16).toUpperCase().padStart((n - 2) / 4, "0") : data.toString(10);
  return { kind: "card", bits: n as 26 | 34, cardNumber };
}

function keyFrame(code: number, bits: 4 | 8): WiegandFrame {
  const key = KEYS[code];
  return key ? { kind: "key", bits, key } : { kind: "rejected", bits, reason: "unknown_key" };
}

/** Interprets the bits of one complete frame. */
export function decodeWiegandBits(bits: readonly number[], format: CardNumberFormat = "hex"): WiegandFrame {
  switch (bits.length) {
    case 26:
    case 34:
      return cardFrame(bits, format);
    case 4:
      return keyFrame(Number(value(bits, 0, 3)), 4);
    case 8: {
      const high = Number(value(bits, 0, 3));
      const low = Number(value(bits, 4, 7));
      if ((high ^ 0xf) !== low) return { kind: "rejected", bits: 8, reason: "complement" };
      return keyFrame(low, 8);
    }
    default:
      return { kind: "rejected", bits: bits.length, reason: "length" };
  }
}
