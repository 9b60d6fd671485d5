/**
 * What every implementation of a hardware contract shares, simulated or real: listener
 * sets whose failing listeners are swallowed, and a status that notifies each change
 * once (never twice in a row with the same status), as sdk/hal/device.ts requires.
 */
import { type DeviceStatus, type HardwareKind, type Unsubscribe, disconnectedError } from "./device.js";

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

export abstract class DeviceBase {
  abstract readonly kind: HardwareKind;
  private deviceStatus: DeviceStatus;
  private readonly statusListeners = new Listeners<DeviceStatus>();

  constructor(
    readonly id: string,
    initial: DeviceStatus = "connected",
  ) {
    this.deviceStatus = initial;
  }

  get status(): DeviceStatus {
    return this.deviceStatus;
  }

  onStatus(listener: (status: DeviceStatus) => void): Unsubscribe {
    return this.statusListeners.add(listener);
  }

  /** Changes the status; listeners hear of a change once, and of no non-change. */
  protected setStatus(status: DeviceStatus): void {
    if (this.deviceStatus === status) return;
    this.deviceStatus = status;
    this.statusListeners.emit(status);
  }

  protected get connected(): boolean {
    return this.deviceStatus === "connected";
  }

  protected assertConnected(): void {
    if (!this.connected) throw disconnectedError(this);
  }
}
