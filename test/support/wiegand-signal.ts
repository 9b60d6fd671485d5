/**
 * Wiegand as the wire carries it, for recorded edge sequences: the bits of a frame
 * (with parity computed here, independently of the decoder) turned into the edges a
 * kernel would timestamp on D0/D1, as gpiomon prints them.
 */
import type { KernelTime, LineEdge } from "../../device/drivers/gpio/gpiomon-events.js";
import type { KeypadKey } from "../../sdk/hal/keypad.js";

export const D0 = 4;
export const D1 = 5;

export function bitsOf(text: string): number[] {
  return [...text.replace(/\s/g, "")].map((c) => (c === "1" ? 1 : 0));
}

/** A card frame: `length - 2` data bits, even parity over the first half, odd over the second. */
export function cardBits(data: bigint, length: 26 | 34): number[] {
  const body: number[] = [];
  for (let i = length - 3; i >= 0; i--) body.push(Number((data >> BigInt(i)) & 1n));
  const half = body.length / 2;
  const sum = (b: number[]) => b.reduce((a, x) => a + x, 0);
  return [sum(body.slice(0, half)) % 2, ...body, (sum(body.slice(half)) + 1) % 2];
}

const KEY_CODES: Record<KeypadKey, number> = { "0": 0, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6, "7": 7, "8": 8, "9": 9, "*": 10, "#": 11 };

export function keyBits(key: KeypadKey, length: 4 | 8): number[] {
  const nibble = (v: number) => [8, 4, 2, 1].map((m) => (v & m ? 1 : 0));
  const code = KEY_CODES[key];
  return length === 4 ? nibble(code) : [...nibble(~code & 0xf), ...nibble(code)];
}

export function addUs(t: KernelTime, us: number): KernelTime {
  const total = t.nsec + Math.round(us * 1000);
  return { sec: t.sec + Math.floor(total / 1e9), nsec: ((total % 1e9) + 1e9) % 1e9 };
}

export interface PulseTiming {
  pulseUs: number;
  intervalUs: number;
}

/** The edges of a frame on an idle-high interface: each bit a low pulse on D0 or D1. */
export function frameEdges(bits: readonly number[], start: KernelTime, timing: PulseTiming = { pulseUs: 50, intervalUs: 2_000 }): LineEdge[] {
  const edges: LineEdge[] = [];
  bits.forEach((bit, i) => {
    const t = addUs(start, i * timing.intervalUs);
    const offset = bit ? D1 : D0;
    edges.push({ offset, rising: false, ...t }, { offset, rising: true, ...addUs(t, timing.pulseUs) });
  });
  return edges;
}

/** A pulse of any width on one line (noise, a stuck line when `widthUs` is undefined). */
export function pulse(offset: number, at: KernelTime, widthUs?: number): LineEdge[] {
  const down: LineEdge = { offset, rising: false, ...at };
  return widthUs === undefined ? [down] : [down, { offset, rising: true, ...addUs(at, widthUs) }];
}
