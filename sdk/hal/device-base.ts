/**
 * What every implementation of a hardware contract shares, simulated or real: listener
 * sets whose failing listeners are swallowed, and a status that notifies each change
 * once (never twice in a row with the same status), as sdk/hal/device.ts requires.
 */
import { type DeviceStatus, type HardwareKind, type Unsubscribe, disconnectedError } from "./device.js";
import { Listeners } from "./listeners.js";



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
