/**
 * The `drivers` part of the device configuration: which driver runs each device of the
 * gate. Either `"simulated"` (the default: the simulator stands in for every device), or
 * an object naming a driver per device, any mix of real and simulated ones:
 *
 *   "drivers": {
 *     "osdp": { "port": "/dev/ttyUSB0", "keyFile": "osdp-keys.json", "readers": [{ "address": 0, "display": true }] },
 *     "cardReader": { "kind": "osdp", "address": 0 },
 *     "keypad": { "kind": "osdp", "address": 0 },
 *     "indicator": { "kind": "osdp", "address": 0 },
 *     "display": "simulated",
 *     "relay": { "kind": "gpio", "chip": "gpiochip0", "line": 17, "active": "high" },
 *     "doorSensor": { "kind": "gpio", "chip": "gpiochip0", "line": 27, "active": "high", "bias": "pull-up" },
 *     "exitButton": { "kind": "gpio", "chip": "gpiochip0", "line": 22, "active": "low", "bias": "pull-up" },
 *     "camera": { "kind": "ffmpeg", "source": "/dev/video0", "fps": 5 }
 *   }
 *
 * A device left out is simulated. Shared parts are written once: `osdp` is the RS-485
 * bus and its readers (device/drivers/osdp/osdp-settings.ts), `wiegand` the two data
 * lines of a Wiegand reader (card reader and keypad `{ "kind": "wiegand" }`). The OSDP
 * bus runs in the Secure Channel; running it in the clear takes `"secureChannel": false`
 * (or "clear") written out. Reader keys live only in the key file (mode 0600, checked
 * when it is read); a key written in the configuration is refused. Every mistake is a
 * ConfigError reading `path: problem`, and never repeats a camera source (it may hold a
 * password).
 */
import { ConfigError } from "../../sdk/errors.js";
import { type CameraSettings, parseCameraSettings } from "../drivers/camera/camera-settings.js";
import { type GpioInputSettings, type GpioRelaySettings, type WiegandSettings, parseGpioSettings } from "../drivers/gpio/gpio-settings.js";
import { type OsdpSettings, parseOsdpSettings } from "../drivers/osdp/osdp-settings.js";

export type Simulated = { kind: "simulated" };
export type OsdpDevice = { kind: "osdp"; address: number };

export interface DriversConfig {
  osdp?: OsdpSettings;
  wiegand?: WiegandSettings;
  cardReader: Simulated | OsdpDevice | { kind: "wiegand" };
  keypad: Simulated | OsdpDevice | { kind: "wiegand" };
  indicator: Simulated | OsdpDevice;
  display: Simulated | OsdpDevice;
  relay: Simulated | { kind: "gpio"; settings: GpioRelaySettings };
  doorSensor: Simulated | { kind: "gpio"; settings: GpioInputSettings };
  exitButton: Simulated | { kind: "gpio"; settings: GpioInputSettings };
  /** The case's tamper switch; "simulated" means none (the gate does not act on it by itself). */
  tamper: Simulated | { kind: "gpio"; settings: GpioInputSettings };
  camera: Simulated | { kind: "ffmpeg"; settings: CameraSettings };
}

export type DeviceName = "cardReader" | "keypad" | "indicator" | "display" | "relay" | "doorSensor" | "exitButton" | "tamper" | "camera";

/** The drivers each device may have besides "simulated". */
export const DEVICE_DRIVERS: Readonly<Record<DeviceName, readonly string[]>> = {
  cardReader: ["osdp", "wiegand"],
  keypad: ["osdp", "wiegand"],
  indicator: ["osdp"],
  display: ["osdp"],
  relay: ["gpio"],
  doorSensor: ["gpio"],
  exitButton: ["gpio"],
  tamper: ["gpio"],
  camera: ["ffmpeg"],
};

const DEVICES = Object.keys(DEVICE_DRIVERS) as DeviceName[];
const KEYS = ["osdp", "wiegand", ...DEVICES];
const SECRET_KEYS = /^(scbk|key|keys|masterKey|secret)$/i;

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The kinds of driver a configuration uses ("simulated" included when any device is). */
export function driverKinds(drivers: "simulated" | DriversConfig): string[] {
  if (drivers === "simulated") return ["simulated"];
  return [...new Set(DEVICES.map((d) => drivers[d].kind))];
}

function refuseInlineKeys(o: Obj, path: string): void {
  for (const [k, v] of Object.entries(o)) {
    if (SECRET_KEYS.test(k)) throw new ConfigError(`${path}.${k}: reader keys are never written in the configuration; they live in the key file (keyFile, mode 0600)`, { path: `${path}.${k}` });
    if (k === "readers" && Array.isArray(v)) v.forEach((r, i) => isObject(r) && refuseInlineKeys(r, `${path}.readers[${i}]`));
  }
}

/** "simulated" or `{ kind, ...settings }`: the kind, and the settings without it. */
function choice(raw: unknown, device: DeviceName, path: string): { kind: string; rest: Obj } {
  const allowed = ["simulated", ...DEVICE_DRIVERS[device]];
  const hint = allowed.map((k) => `"${k}"`).join(", ");
  if (raw === undefined || raw === "simulated") return { kind: "simulated", rest: {} };
  if (!isObject(raw)) throw new ConfigError(`${path}: must be "simulated" or an object with a kind (${hint})`, { path });
  const { kind, ...rest } = raw;
  if (typeof kind !== "string" || !allowed.includes(kind)) throw new ConfigError(`${path}.kind: must be one of ${hint}`, { path: `${path}.kind` });
  if (kind === "simulated" && Object.keys(rest).length > 0) throw new ConfigError(`${path}.${Object.keys(rest)[0]}: unknown setting (a simulated device has none)`, { path });
  return { kind, rest };
}

function osdpDevice(rest: Obj, path: string, bus: OsdpSettings | undefined, needsDisplay: boolean): OsdpDevice {
  for (const k of Object.keys(rest)) if (k !== "address") throw new ConfigError(`${path}.${k}: unknown setting (an OSDP device names its reader's address; the bus is drivers.osdp)`, { path: `${path}.${k}` });
  const address = rest["address"] ?? 0;
  if (typeof address !== "number" || !Number.isInteger(address) || address < 0 || address > 126) throw new ConfigError(`${path}.address: must be an integer from 0 to 126`, { path: `${path}.address` });
  if (!bus) throw new ConfigError(`${path}: kind "osdp" needs the bus in drivers.osdp (port and readers)`, { path });
  const reader = bus.readers.find((r) => r.address === address);
  if (!reader) throw new ConfigError(`${path}.address: no reader at address ${address} in drivers.osdp.readers`, { path: `${path}.address` });
  if (needsDisplay && !reader.display) throw new ConfigError(`${path}: the reader at address ${address} has no display configured (drivers.osdp.readers: "display": true)`, { path });
  return { kind: "osdp", address };
}

export function parseDriversConfig(raw: unknown, context: { dataDir: string; baseDir: string }, path = "drivers"): "simulated" | DriversConfig {
  if (raw === undefined || raw === "simulated") return "simulated";
  if (!isObject(raw)) throw new ConfigError(`${path}: must be "simulated" or an object naming a driver per device (${DEVICES.join(", ")})`, { path });
  for (const k of Object.keys(raw)) if (!KEYS.includes(k)) throw new ConfigError(`${path}.${k}: unknown key (allowed: ${KEYS.join(", ")})`, { path: `${path}.${k}` });

  let osdp: OsdpSettings | undefined;
  if (raw["osdp"] !== undefined) {
    const bus = raw["osdp"];
    if (isObject(bus)) refuseInlineKeys(bus, `${path}.osdp`);
    // `false` is the explicit way to run the bus in the clear; `true` is the default, required.
    const written = isObject(bus) && typeof bus["secureChannel"] === "boolean" ? { ...bus, secureChannel: bus["secureChannel"] ? "required" : "clear" } : bus;
    osdp = parseOsdpSettings(written, `${path}.osdp`, context);
  }

  const choices = Object.fromEntries(DEVICES.map((d) => [d, choice(raw[d], d, `${path}.${d}`)])) as Record<DeviceName, { kind: string; rest: Obj }>;
  // The GPIO parts are checked together: one line, one use.
  const gpioRaw: Obj = {};
  if (raw["wiegand"] !== undefined) gpioRaw["wiegand"] = raw["wiegand"];
  for (const d of ["relay", "doorSensor", "exitButton", "tamper"] as const) if (choices[d].kind === "gpio") gpioRaw[d] = choices[d].rest;
  const gpio = parseGpioSettings(gpioRaw, path);

  const reader = (d: "cardReader" | "keypad"): DriversConfig["cardReader"] => {
    const c = choices[d];
    if (c.kind === "osdp") return osdpDevice(c.rest, `${path}.${d}`, osdp, false);
    if (c.kind === "wiegand") {
      if (Object.keys(c.rest).length > 0) throw new ConfigError(`${path}.${d}.${Object.keys(c.rest)[0]}: unknown setting (the lines are drivers.wiegand)`, { path: `${path}.${d}` });
      if (!gpio.wiegand) throw new ConfigError(`${path}.${d}: kind "wiegand" needs the reader's lines in drivers.wiegand`, { path: `${path}.${d}` });
      return { kind: "wiegand" };
    }
    return { kind: "simulated" };
  };
  const osdpOnly = (d: "indicator" | "display"): DriversConfig["indicator"] => (choices[d].kind === "osdp" ? osdpDevice(choices[d].rest, `${path}.${d}`, osdp, d === "display") : { kind: "simulated" });
  const camera = choices.camera.kind === "ffmpeg" ? { kind: "ffmpeg" as const, settings: parseCameraSettings(choices.camera.rest, `${path}.camera`) } : { kind: "simulated" as const };

  return {
    ...(osdp ? { osdp } : {}),
    ...(gpio.wiegand ? { wiegand: gpio.wiegand } : {}),
    cardReader: reader("cardReader"),
    keypad: reader("keypad"),
    indicator: osdpOnly("indicator"),
    display: osdpOnly("display"),
    relay: gpio.relay ? { kind: "gpio", settings: gpio.relay } : { kind: "simulated" },
    doorSensor: gpio.doorSensor ? { kind: "gpio", settings: gpio.doorSensor } : { kind: "simulated" },
    exitButton: gpio.exitButton ? { kind: "gpio", settings: gpio.exitButton } : { kind: "simulated" },
    tamper: gpio.tamper ? { kind: "gpio", settings: gpio.tamper } : { kind: "simulated" },
    camera,
  };
}
