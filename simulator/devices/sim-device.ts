/**
 * Shared behaviour of simulated devices: status, status events, listener sets, and the
 * `disconnect()` / `reconnect()` hooks. Listener errors are swallowed, as the contract
 * (sdk/hal/device.ts) requires.
 */
import { type DeviceStatus, type HardwareKind, type Unsubscribe, disconnectedError } from "../../sdk/hal/device.js";

export class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();

  add(listener: (value: T) => void): Unsubscribe {
    const wrapped = (value: T): void => listener(value);
    this.set.add(wrapped);
    return () => {
      this.set.delete(wrapped);
    };
  }

  emit(value: T): void {
    for (const l of [...this.set]) {
      try {
        l(value);
      } catch {
        // A failing listener must not stop the device or the other listeners.
      }
    }
  }

  get size(): number {
    return this.set.size;
  }
}

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
