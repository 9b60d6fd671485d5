/**
 * Shared behaviour of simulated devices: the status and listener sets of every device
 * (sdk/hal/device-base.ts) plus the `disconnect()` / `reconnect()` test hooks.
 */
import { DeviceBase } from "../../sdk/hal/device-base.js";

export { Listeners } from "../../sdk/hal/listeners.js";

export abstract class SimDevice extends DeviceBase {
  /** Test hook: the device goes away. */
  disconnect(): void {
    this.setStatus("disconnected");
  }

  /** Test hook: the device comes back. */
  reconnect(): void {
    this.setStatus("connected");
  }
}
