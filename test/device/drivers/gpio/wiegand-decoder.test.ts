/**
 * Wiegand decoding from kernel-timestamped edges, through the same parser and decoder
 * the driver runs (gpiomon's output lines -> parseGpiomonLine -> WiegandDecoder). The
 * sequences are gpiomon lines: a recorded H10301 frame (with pulse-width and interval
 * jitter, crossing a second boundary, and D0/D1 batches out of order as gpiomon v1
 * prints them), and frames built from bits whose parity is computed in the test.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type LineEdge, formatGpiomonLine, parseGpiomonLine } from "../../../../device/drivers/gpio/gpiomon-events.js";
import { DEFAULT_WIEGAND_TIMING, WiegandDecoder } from "../../../../device/drivers/gpio/wiegand-decoder.js";
import type { WiegandFrame } from "../../../../device/drivers/gpio/wiegand-formats.js";
import type { KeypadKey } from "../../../../sdk/hal/keypad.js";
import { D0, D1, addUs, bitsOf, cardBits, frameEdges, keyBits, pulse } from "../../../support/wiegand-signal.js";

const T0 = { sec: 120, nsec: 500_000_000 };

function decoder(cardFormat: "hex" | "decimal" = "hex"): WiegandDecoder {
  return new WiegandDecoder({ d0: D0, d1: D1, active: "low", timing: DEFAULT_WIEGAND_TIMING, cardFormat });
}

/** Feeds edges as gpiomon lines (print, then parse: the driver's path) and flushes. */
function decode(edges: readonly LineEdge[], d = decoder()): WiegandFrame[] {
  for (const line of edges.map(formatGpiomonLine)) {
    const edge = parseGpiomonLine(line);
    if (!edge) throw new Error(`unparsable: ${line}`);
    d.push(edge);
  }
  return d.flush();
}

function flip(bits: number[], i: number): number[] {
  return bits.map((b, j) => (j === i ? 1 - b : b));
}

describe("gpiomon lines", () => {
  it("parses offset, edge and the kernel timestamp, with gpiomon's unpadded nanoseconds", () => {
    expect(parseGpiomonLine("5 1 8413 1246177")).toEqual({ offset: 5, rising: true, sec: 8413, nsec: 1_246_177 });
    expect(parseGpiomonLine("4 0 0 7")).toEqual({ offset: 4, rising: false, sec: 0, nsec: 7 });
  });

  it("refuses lines that are not edges", () => {
    for (const line of ["", "event: RISING EDGE offset: 4 timestamp: [1.000000001]", "4 2 1 1", "4 1 1 1000000000", "x 1 1 1", "4 1 1"]) expect(parseGpiomonLine(line), line).toBeNull();
  });
});

describe("Wiegand 26 bit (H10301)", () => {
  it("decodes a recorded frame (facility 1, card 1) whatever the order gpiomon printed D0 and D1 in", () => {
    const text = readFileSync(join(import.meta.dirname, "recorded", "h10301-fc1-card1.gpiomon"), "utf8");
    const d = decoder();
    for (const line of text.trim().split("\n")) d.push(parseGpiomonLine(line)!);
    expect(d.flush()).toEqual([{ kind: "card", bits: 26, cardNumber: "010001" }]);
    const dec = decoder("decimal");
    for (const line of text.trim().split("\n")) dec.push(parseGpiomonLine(line)!);
    expect(dec.flush()).toEqual([{ kind: "card", bits: 26, cardNumber: String(65536 + 1) }]);
  });

  it("decodes a hand-checked frame: facility 123, card 4567", () => {
    // 123 = 01111011, 4567 = 0001000111010111; first 12 data bits 011110110001 have 7
    // ones -> even parity bit 1; last 12, 000111010111, have 7 ones -> odd parity bit 0.
    const bits = bitsOf("1 01111011 0001000111010111 0");
    expect(decode(frameEdges(bits, T0))).toEqual([{ kind: "card", bits: 26, cardNumber: ((123 << 16) | 4567).toString(16).toUpperCase().padStart(6, "0") }]);
  });

  it("rejects a frame whose leading (even) or trailing (odd) parity is wrong, and any single flipped bit", () => {
    const good = cardBits(0x7b11d7n, 26);
    expect(decode(frameEdges(flip(good, 0), T0))).toEqual([{ kind: "rejected", bits: 26, reason: "parity" }]);
    expect(decode(frameEdges(flip(good, 25), T0))).toEqual([{ kind: "rejected", bits: 26, reason: "parity" }]);
    for (let i = 1; i < 25; i++) expect(decode(frameEdges(flip(good, i), T0))[0], `bit ${i}`).toEqual({ kind: "rejected", bits: 26, reason: "parity" });
  });
});

describe("Wiegand 34 bit", () => {
  it("decodes 32 data bits with their parity", () => {
    expect(decode(frameEdges(cardBits(0xdeadbeefn, 34), T0))).toEqual([{ kind: "card", bits: 34, cardNumber: "DEADBEEF" }]);
    expect(decode(frameEdges(cardBits(0x00000001n, 34), T0), decoder("decimal"))).toEqual([{ kind: "card", bits: 34, cardNumber: "1" }]);
  });

  it("rejects bad parity on either half", () => {
    const good = cardBits(0x12345678n, 34);
    expect(decode(frameEdges(flip(good, 0), T0))).toEqual([{ kind: "rejected", bits: 34, reason: "parity" }]);
    expect(decode(frameEdges(flip(good, 33), T0))).toEqual([{ kind: "rejected", bits: 34, reason: "parity" }]);
    expect(decode(frameEdges(flip(good, 20), T0))).toEqual([{ kind: "rejected", bits: 34, reason: "parity" }]);
  });

  it("refuses lengths that are no format (a lost or an extra bit)", () => {
    const good = cardBits(0x12345678n, 34);
    expect(decode(frameEdges(good.slice(0, 33), T0))).toEqual([{ kind: "rejected", bits: 33, reason: "length" }]);
    expect(decode(frameEdges([...good, 1], T0))).toEqual([{ kind: "rejected", bits: 35, reason: "length" }]);
  });
});

describe("Wiegand keypads", () => {
  const keys: KeypadKey[] = ["1", "2", "0", "9", "*", "#"];

  it("decodes 4-bit key codes (10 = *, 11 = #), one frame per key, in order", () => {
    const edges = keys.flatMap((k, i) => frameEdges(keyBits(k, 4), addUs(T0, i * 150_000)));
    expect(decode(edges)).toEqual(keys.map((key) => ({ kind: "key", bits: 4, key })));
    expect(decode(frameEdges(bitsOf("1100"), T0))).toEqual([{ kind: "rejected", bits: 4, reason: "unknown_key" }]);
  });

  it("decodes 8-bit key codes and rejects one whose high nibble is not the complement", () => {
    const edges = keys.flatMap((k, i) => frameEdges(keyBits(k, 8), addUs(T0, i * 150_000)));
    expect(decode(edges)).toEqual(keys.map((key) => ({ kind: "key", bits: 8, key })));
    expect(keyBits("1", 8)).toEqual(bitsOf("1110 0001"));
    expect(decode(frameEdges(bitsOf("1111 0001"), T0))).toEqual([{ kind: "rejected", bits: 8, reason: "complement" }]);
  });
});

describe("timing from the kernel timestamps", () => {
  it("cuts frames at gaps longer than the frame gap, and keeps slow bits within it together", () => {
    const a = cardBits(0x010001n, 26);
    const b = cardBits(0x7b11d7n, 26);
    const gapAfterA = addUs(T0, 26 * 2_000 + 30_000);
    expect(decode([...frameEdges(a, T0), ...frameEdges(b, gapAfterA)])).toEqual([
      { kind: "card", bits: 26, cardNumber: "010001" },
      { kind: "card", bits: 26, cardNumber: "7B11D7" },
    ]);
    // 20 ms between bits (the slowest the interface allows) is still one frame.
    expect(decode(frameEdges(a, T0, { pulseUs: 50, intervalUs: 20_000 }))).toEqual([{ kind: "card", bits: 26, cardNumber: "010001" }]);
    // A frame broken by a 40 ms pause is two bad frames, not one good one.
    expect(decode([...frameEdges(a.slice(0, 10), T0), ...frameEdges(a.slice(10), addUs(T0, 10 * 2_000 + 40_000))])).toEqual([
      { kind: "rejected", bits: 10, reason: "length" },
      { kind: "rejected", bits: 16, reason: "length" },
    ]);
  });

  it("drops noise pulses too short or too long to be bits, inside a frame and alone", () => {
    const bits = cardBits(0x010001n, 26);
    const glitches = [...pulse(D0, addUs(T0, 1_000), 2), ...pulse(D1, addUs(T0, 3_000), 4), ...pulse(D0, addUs(T0, 7_000), 1_500)];
    expect(decode([...frameEdges(bits, T0), ...glitches])).toEqual([{ kind: "card", bits: 26, cardNumber: "010001" }]);
    expect(decode(pulse(D1, T0, 3))).toEqual([{ kind: "rejected", bits: 0, reason: "noise" }]);
    // A glitch wide enough to pass for a bit adds one: the frame no longer checks.
    expect(decode([...frameEdges(bits, T0), ...pulse(D1, addUs(T0, 1_000), 40)])).toEqual([{ kind: "rejected", bits: 27, reason: "length" }]);
  });

  it("rejects a frame in which D0 and D1 are active at once, or a line stays active", () => {
    const bits = cardBits(0x010001n, 26);
    const edges = frameEdges(bits, T0);
    expect(decode([...edges, ...pulse(bits[3] ? D0 : D1, addUs(T0, 3 * 2_000 + 10), 30)])).toEqual([{ kind: "rejected", bits: 27, reason: "overlap" }]);
    expect(decode([...edges, ...pulse(D0, addUs(T0, 26 * 2_000))])).toEqual([{ kind: "rejected", bits: 26, reason: "stuck_line" }]);
    expect(decode(pulse(D0, T0))).toEqual([{ kind: "rejected", bits: 0, reason: "stuck_line" }]);
  });

  it("ignores an end without its start (gpiomon started mid-pulse) and edges of other lines", () => {
    const bits = cardBits(0x010001n, 26);
    const stray: LineEdge[] = [{ offset: D0, rising: true, ...addUs(T0, -5_000_000) }, { offset: 17, rising: false, ...T0 }];
    expect(decode([...stray, ...frameEdges(bits, T0)])).toEqual([{ kind: "card", bits: 26, cardNumber: "010001" }]);
  });

  it("bounds its buffer: a flood of edges is one overflow rejection, and the next frame decodes", () => {
    const d = decoder();
    const flood = Array.from({ length: 400 }, (_, i) => frameEdges([i % 2], addUs(T0, i * 2_000))).flat();
    expect(decode(flood, d)).toEqual([{ kind: "rejected", bits: 0, reason: "overflow" }]);
    expect(d.pending).toBe(0);
    expect(decode(frameEdges(cardBits(0x010001n, 26), T0), d)).toEqual([{ kind: "card", bits: 26, cardNumber: "010001" }]);
  });
});
