/**
 * How card data (osdp_RAW) becomes the card reader contract's `cardNumber`: the reader's
 * bits, all of them (parity included), read as one binary number and written in
 * upper-case hexadecimal, zero-padded to ceil(bits / 4) digits. A 26-bit Wiegand card
 * with facility 18 and number 4660 (bits 1 00010010 0001001000110100 1) reads "2242469".
 * The rendering does not depend on the card's format, so the same card gives the same
 * number whichever reader or format code it came through, and nothing is guessed.
 *
 * The number is a credential: never log it (see sdk/hal/card-reader.ts).
 */
import type { RawCard } from "./messages.js";

export function cardNumberFromRaw(card: Pick<RawCard, "bitCount" | "data">): string {
  let value = 0n;
  for (let i = 0; i < card.bitCount; i++) {
    const bit = (card.data[i >> 3]! >> (7 - (i & 7))) & 1;
    value = (value << 1n) | BigInt(bit);
  }
  return value.toString(16).toUpperCase().padStart(Math.ceil(card.bitCount / 4), "0");
}

/** Packs a string of '0'/'1' most significant first, left justified (as osdp_RAW carries bits). */
export function packBits(bits: string): { bitCount: number; data: Uint8Array } {
  if (!/^[01]+$/.test(bits)) throw new RangeError("bits must be a non-empty string of 0 and 1");
  const data = new Uint8Array(Math.ceil(bits.length / 8));
  for (let i = 0; i < bits.length; i++) if (bits[i] === "1") data[i >> 3]! |= 0x80 >> (i & 7);
  return { bitCount: bits.length, data };
}

/** The 26 bits of a standard Wiegand card (H10301): even parity, 8-bit facility, 16-bit number, odd parity. */
export function wiegand26Bits(facility: number, cardNumber: number): string {
  if (!Number.isInteger(facility) || facility < 0 || facility > 255) throw new RangeError("facility must be 0-255");
  if (!Number.isInteger(cardNumber) || cardNumber < 0 || cardNumber > 65535) throw new RangeError("card number must be 0-65535");
  const body = facility.toString(2).padStart(8, "0") + cardNumber.toString(2).padStart(16, "0");
  const ones = (s: string) => [...s].filter((c) => c === "1").length;
  const even = ones(body.slice(0, 12)) % 2 === 0 ? "0" : "1";
  const odd = ones(body.slice(12)) % 2 === 0 ? "1" : "0";
  return `${even}${body}${odd}`;
}
