/**
 * Shared behaviour of simulated devices: status, status events, listener sets, and the
 * `disconnect()` / `reconnect()` hooks. Listener errors are swallowed, as the contract
 * (sdk/hal/device.ts) requires.
 */
import { type DeviceStatus, type HardwareKind, type Unsubscribe, disconnectedError } from "../../sdk/hal/device.js";
import { Listeners } from "../../sdk/hal/listeners.js";

export { Listeners };

export abstract class SimDevice {
  abstract readonly kind: HardwareKind;
  private deviceStatus: DeviceStatus = "connected";
  private readonly statusListeners = new Listeners<DeviceStatus>();

  constructor(readonly id: string) {}

  get status(): DeviceStatus {
    return this.deviceStatus;
  }

  onStatus(listener: (status: DeviceStatus) => void): Unsubscribe {
    return this.statusListeners.add(listener);
  }

  /** Test hook: the device goes away. */
  disconnect(): void {
    if (this.deviceStatus === "disconnected") return;
    this.deviceStatus = "disconnected";
    this.statusListeners.emit("disconnected");
  }

  /** Test hook: the device comes back. */
  reconnect(): void {
    if (this.deviceStatus === "connected") return;
    this.deviceStatus = "connected";
    this.statusListeners.emit("connected");
  }

  protected get connected(): boolean {
    return this.deviceStatus === "connected";
  }

  protected assertConnected(): void {
    if (!this.connected) throw disconnectedError(this);
  }
}
