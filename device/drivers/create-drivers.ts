/**
 * Picks the hardware drivers named by the configuration. `simulated` is one set of
 * drivers among others: the runtime cannot tell it from real hardware.
 */
import type { GateHardware } from "../../sdk/hal/gate-hardware.js";
import type { Clock } from "../../sdk/time/clock.js";
import { SimulatedHardware } from "../../simulator/sim-hardware.js";
import type { DeviceConfig } from "../config/device-config.js";

export interface DeviceDrivers {
  hardware: GateHardware;
  close(): Promise<void>;
}

export function createDeviceDrivers(config: DeviceConfig, clock: Clock): DeviceDrivers {
  switch (config.drivers) {
    case "simulated": {
      const hardware = new SimulatedHardware(config.gateId, clock);
      return { hardware, close: async () => {} };
    }
  }
}
