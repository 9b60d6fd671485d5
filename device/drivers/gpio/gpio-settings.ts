/**
 * Settings of the GPIO drivers. The device configuration carries them per device
 * (`drivers.relay`, `drivers.doorSensor`, `drivers.exitButton` with `"kind": "gpio"`, and
 * `drivers.wiegand`; device/config/drivers-config.ts checks them all at once here), e.g.
 *
 *     {
 *       "relay":      { "chip": "gpiochip0", "line": 17, "active": "high", "maxUnlockMs": 30000 },
 *       "doorSensor": { "chip": "gpiochip0", "line": 27, "active": "high", "bias": "pull-up" },
 *       "exitButton": { "chip": "gpiochip0", "line": 22, "active": "low", "bias": "pull-up" },
 *       "tamper":     { "chip": "gpiochip0", "line": 23, "active": "high", "bias": "pull-up" },
 *       "wiegand":    { "chip": "gpiochip0", "d0": 5, "d1": 6, "cardFormat": "hex" }
 *     }
 *
 * `active` is the level that means unlocked / open / pressed / tampered: the installer
 * states it, nothing is guessed about a door's wiring. Every mistake is a ConfigError
 * reading `path: problem`. Each part is optional: a device without one is simulated or
 * comes from another driver (e.g. the card reader and keypad from OSDP).
 */
import { ConfigError } from "../../../sdk/errors.js";
import type { GpioBias } from "./line-monitor.js";
import type { CardNumberFormat } from "./wiegand-formats.js";

export interface GpioRelaySettings {
  chip: string;
  line: number;
  active: "high" | "low";
  maxUnlockMs: number;
}

export interface GpioInputSettings {
  chip: string;
  line: number;
  active: "high" | "low";
  bias: GpioBias;
  debounceMs: number;
}

export interface WiegandSettings {
  chip: string;
  d0: number;
  d1: number;
  /** Pulse level: "low" on a standard interface (idle high); "high" behind an inverting level shifter. */
  active: "high" | "low";
  bias: GpioBias;
  cardFormat: CardNumberFormat;
  minPulseUs: number;
  maxPulseUs: number;
  /** A gap this long between two pulses (by kernel timestamps) ends a frame. */
  frameGapMs: number;
  /** Lines quiet this long (wall clock): decode what arrived. */
  flushMs: number;
}

export interface GpioSettings {
  relay?: GpioRelaySettings;
  doorSensor?: GpioInputSettings;
  exitButton?: GpioInputSettings;
  tamper?: GpioInputSettings;
  wiegand?: WiegandSettings;
}

type Obj = Record<string, unknown>;

function object(v: unknown, path: string, keys: readonly string[]): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new ConfigError(`${path}: must be an object`);
  for (const k of Object.keys(v)) if (!keys.includes(k)) throw new ConfigError(`${path}.${k}: unknown setting`);
  return v as Obj;
}

function int(o: Obj, key: string, path: string, min: number, max: number, fallback?: number): number {
  const v = o[key] ?? fallback;
  if (v === undefined) throw new ConfigError(`${path}.${key}: required`);
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw new ConfigError(`${path}.${key}: must be an integer from ${min} to ${max}`);
  return v;
}

function choice<T extends string>(o: Obj, key: string, path: string, options: readonly T[], fallback?: T): T {
  const v = o[key] ?? fallback;
  if (v === undefined) throw new ConfigError(`${path}.${key}: required (${options.map((x) => `"${x}"`).join(" or ")})`);
  if (!options.includes(v as T)) throw new ConfigError(`${path}.${key}: must be ${options.map((x) => `"${x}"`).join(" or ")}`);
  return v as T;
}

function chip(o: Obj, path: string): string {
  const v = o["chip"];
  // A chip name, number, path or label as libgpiod accepts it; never an option.
  if (typeof v !== "string" || !/^[A-Za-z0-9_][A-Za-z0-9_./:-]{0,63}$/.test(v)) throw new ConfigError(`${path}.chip: must be a GPIO chip such as "gpiochip0" (see gpiodetect)`);
  return v;
}

const BIASES: readonly GpioBias[] = ["as-is", "disable", "pull-up", "pull-down"];
const LEVELS = ["high", "low"] as const;

function input(v: unknown, path: string): GpioInputSettings {
  const o = object(v, path, ["chip", "line", "active", "bias", "debounceMs"]);
  return { chip: chip(o, path), line: int(o, "line", path, 0, 1023), active: choice(o, "active", path, LEVELS), bias: choice(o, "bias", path, BIASES, "as-is"), debounceMs: int(o, "debounceMs", path, 1, 1_000, 30) };
}

export function parseGpioSettings(value: unknown, path = "drivers.gpio"): GpioSettings {
  const o = object(value, path, ["relay", "doorSensor", "exitButton", "tamper", "wiegand"]);
  const out: GpioSettings = {};
  if (o["relay"] !== undefined) {
    const p = `${path}.relay`;
    const r = object(o["relay"], p, ["chip", "line", "active", "maxUnlockMs"]);
    out.relay = { chip: chip(r, p), line: int(r, "line", p, 0, 1023), active: choice(r, "active", p, LEVELS), maxUnlockMs: int(r, "maxUnlockMs", p, 1_000, 600_000, 60_000) };
  }
  for (const key of ["doorSensor", "exitButton", "tamper"] as const) if (o[key] !== undefined) out[key] = input(o[key], `${path}.${key}`);
  if (o["wiegand"] !== undefined) {
    const p = `${path}.wiegand`;
    const w = object(o["wiegand"], p, ["chip", "d0", "d1", "active", "bias", "cardFormat", "minPulseUs", "maxPulseUs", "frameGapMs", "flushMs"]);
    const wiegand: WiegandSettings = {
      chip: chip(w, p),
      d0: int(w, "d0", p, 0, 1023),
      d1: int(w, "d1", p, 0, 1023),
      active: choice(w, "active", p, LEVELS, "low"),
      bias: choice(w, "bias", p, BIASES, "as-is"),
      cardFormat: choice(w, "cardFormat", p, ["hex", "decimal"] as const, "hex"),
      minPulseUs: int(w, "minPulseUs", p, 1, 10_000, 10),
      maxPulseUs: int(w, "maxPulseUs", p, 2, 100_000, 1_000),
      frameGapMs: int(w, "frameGapMs", p, 3, 1_000, 25),
      flushMs: int(w, "flushMs", p, 5, 5_000, 50),
    };
    if (wiegand.d0 === wiegand.d1) throw new ConfigError(`${p}.d1: must be another line than d0`);
    if (wiegand.maxPulseUs <= wiegand.minPulseUs) throw new ConfigError(`${p}.maxPulseUs: must be above minPulseUs`);
    if (wiegand.flushMs <= wiegand.frameGapMs) throw new ConfigError(`${p}.flushMs: must be longer than frameGapMs (a frame is decoded only once it is over)`);
    out.wiegand = wiegand;
  }
  // One line, one use.
  const used = new Map<string, string>();
  const claim = (c: string, line: number, where: string) => {
    const key = `${c}:${line}`;
    const other = used.get(key);
    if (other) throw new ConfigError(`${where}: line ${line} of ${c} is already used by ${other}`);
    used.set(key, where);
  };
  if (out.relay) claim(out.relay.chip, out.relay.line, `${path}.relay.line`);
  for (const key of ["doorSensor", "exitButton", "tamper"] as const) if (out[key]) claim(out[key].chip, out[key].line, `${path}.${key}.line`);
  if (out.wiegand) {
    claim(out.wiegand.chip, out.wiegand.d0, `${path}.wiegand.d0`);
    claim(out.wiegand.chip, out.wiegand.d1, `${path}.wiegand.d1`);
  }
  return out;
}
