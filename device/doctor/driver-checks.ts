/**
 * What doctor checks for each configured driver. A driver kind registers its checks here,
 * one entry per kind, with the checks themselves next to the driver's code: an OSDP reader
 * checks its serial port and that a reader answers, GPIO its chip and lines, a camera that
 * ffmpeg opens it (`characterDeviceCheck` covers the device node of each). The runtime
 * picks drivers in device/drivers/create-drivers.ts; doctor asks the same configuration.
 */
import type { DeviceConfig } from "../config/device-config.js";
import { type DoctorCheck, pass } from "./check.js";

/** The checks of one driver kind, for this configuration. */
export type DriverChecks = (config: DeviceConfig) => DoctorCheck[];

const simulatedChecks: DriverChecks = () => [
  {
    name: "drivers",
    run: () => pass("simulated: the simulator stands in for reader, keypad, relay, door sensor, exit button and camera (no real door is driven)"),
  },
];

export const DRIVER_CHECKS: Readonly<Record<DeviceConfig["drivers"], DriverChecks>> = {
  simulated: simulatedChecks,
};

/** The driver kinds a configuration uses (today one for all the hardware). */
export function configuredDrivers(config: DeviceConfig): DeviceConfig["drivers"][] {
  return [config.drivers];
}

export function driverChecks(config: DeviceConfig, registry: Readonly<Record<string, DriverChecks>> = DRIVER_CHECKS): DoctorCheck[] {
  return configuredDrivers(config).flatMap((kind) => registry[kind]?.(config) ?? []);
}
