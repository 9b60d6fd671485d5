/**
 * What doctor checks for each configured driver. A driver kind registers its checks here,
 * one entry per kind, with the checks themselves next to the driver's code: an OSDP reader
 * checks its serial port and that each reader answers in the Secure Channel (osdp-check),
 * GPIO its chip and lines (gpio-check, Wiegand's lines included), a camera that ffmpeg
 * opens it and frames come (camera-probe); `characterDeviceCheck` covers the device node
 * of each. The runtime picks drivers in device/drivers/create-drivers.ts; doctor asks the
 * same configuration (device/config/drivers-config.ts).
 */
import type { DeviceConfig } from "../config/device-config.js";
import { type DriversConfig, driverKinds } from "../config/drivers-config.js";
import { checkCamera } from "../drivers/camera/camera-probe.js";
import type { DriverCheck } from "../drivers/driver-check.js";
import { checkGpio } from "../drivers/gpio/gpio-check.js";
import type { GpioSettings } from "../drivers/gpio/gpio-settings.js";
import { checkOsdp } from "../drivers/osdp/osdp-check.js";
import { type CheckOutcome, type DoctorCheck, fail, pass, warn } from "./check.js";
import { characterDeviceCheck } from "./device-node-check.js";

/** The checks of one driver kind, for this configuration. */
export type DriverChecks = (config: DeviceConfig) => DoctorCheck[];

const outcome = (c: DriverCheck): CheckOutcome => (c.ok ? pass(c.detail) : fail(c.detail, c.fix ?? "see the detail"));

function simulatedDevices(config: DeviceConfig): string[] {
  if (config.drivers === "simulated") return ["reader", "keypad", "relay", "door sensor", "exit button", "camera"];
  const d = config.drivers;
  const names: Array<[keyof DriversConfig, string]> = [
    ["cardReader", "reader"],
    ["keypad", "keypad"],
    ["indicator", "indicator"],
    ["display", "display"],
    ["relay", "relay"],
    ["doorSensor", "door sensor"],
    ["exitButton", "exit button"],
    ["camera", "camera"],
  ];
  return names.filter(([k]) => (d[k] as { kind: string }).kind === "simulated").map(([, n]) => n);
}

const simulatedChecks: DriverChecks = (config) => [
  {
    name: "drivers",
    run: () => {
      const devices = simulatedDevices(config);
      const all = config.drivers === "simulated";
      return pass(`simulated: the simulator stands in for ${devices.join(", ")}${all ? " (no real door is driven)" : ""}`);
    },
  },
];

const osdpChecks: DriverChecks = (config) => {
  if (config.drivers === "simulated" || !config.drivers.osdp) return [];
  const bus = config.drivers.osdp;
  const checks: DoctorCheck[] = [
    characterDeviceCheck({ name: "osdp port", path: bus.port, what: "serial port", group: "dialout" }),
    {
      name: "osdp readers",
      async run() {
        const results = await checkOsdp(bus);
        const failed = results.filter((r) => !r.ok);
        if (failed.length > 0) return fail(failed.map((r) => r.detail).join("; "), failed[0]!.fix ?? "see the detail");
        const clear = results.some((r) => /IN THE CLEAR/.test(r.detail));
        const detail = results.map((r) => r.detail).join("; ");
        return clear ? warn(detail, "readers in the clear send card numbers and PINs unprotected on the bus: use readers that do the Secure Channel") : pass(detail);
      },
    },
  ];
  if (bus.secureChannel === "install") {
    checks.push({ name: "osdp install mode", run: () => warn(`the bus on ${bus.port} is in install mode: a reader on the default key is given a new key`, 'set secureChannel back to "required" once the readers are commissioned') });
  }
  return checks;
};

/** The GPIO parts of the configuration, Wiegand's lines included. */
function gpioSettings(d: DriversConfig): GpioSettings {
  return {
    ...(d.relay.kind === "gpio" ? { relay: d.relay.settings } : {}),
    ...(d.doorSensor.kind === "gpio" ? { doorSensor: d.doorSensor.settings } : {}),
    ...(d.exitButton.kind === "gpio" ? { exitButton: d.exitButton.settings } : {}),
    ...(d.wiegand && (d.cardReader.kind === "wiegand" || d.keypad.kind === "wiegand") ? { wiegand: d.wiegand } : {}),
  };
}

const gpioChecks: DriverChecks = (config) => {
  if (config.drivers === "simulated") return [];
  const s = gpioSettings(config.drivers);
  const chips = new Set([s.relay?.chip, s.doorSensor?.chip, s.exitButton?.chip, s.wiegand?.chip].filter((c): c is string => c !== undefined));
  return [
    ...[...chips].filter((c) => /^gpiochip\d+$/.test(c)).map((c) => characterDeviceCheck({ name: `gpio ${c}`, path: `/dev/${c}`, what: "GPIO chip", group: "gpio" })),
    { name: "gpio lines", run: async () => outcome(await checkGpio(s)) },
  ];
};

const ffmpegChecks: DriverChecks = (config) => {
  if (config.drivers === "simulated" || config.drivers.camera.kind !== "ffmpeg") return [];
  const settings = config.drivers.camera.settings;
  return [
    ...(settings.kind === "v4l2" ? [characterDeviceCheck({ name: "camera device", path: settings.source, what: "camera", group: "video" })] : []),
    { name: "camera", run: async () => outcome(await checkCamera(settings)) },
  ];
};

export const DRIVER_CHECKS: Readonly<Record<string, DriverChecks>> = {
  simulated: simulatedChecks,
  osdp: osdpChecks,
  gpio: gpioChecks,
  wiegand: gpioChecks,
  ffmpeg: ffmpegChecks,
};

/** The driver kinds a configuration uses; Wiegand is checked with the GPIO lines. */
export function configuredDrivers(config: DeviceConfig): string[] {
  const kinds = driverKinds(config.drivers).map((k) => (k === "wiegand" ? "gpio" : k));
  return [...new Set(kinds)];
}

export function driverChecks(config: DeviceConfig, registry: Readonly<Record<string, DriverChecks>> = DRIVER_CHECKS): DoctorCheck[] {
  return configuredDrivers(config).flatMap((kind) => registry[kind]?.(config) ?? []);
}
