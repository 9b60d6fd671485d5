/**
 * Simulated door sensor. `openDoor()` opens the door (as a person walking through after
 * an unlock would), `forceDoor()` opens it too (the name documents intent in tests: the
 * gate decides whether it was forced from the relay state), `closeDoor()` closes it. The
 * door moves whether or not the sensor is connected; while disconnected nothing is
 * reported (the hooks return false), and on reconnecting a door that moved meanwhile is
 * reported once.
 */
import type { Unsubscribe } from "../../sdk/hal/device.js";
import type { DoorChange, DoorSensor, DoorState } from "../../sdk/hal/door-sensor.js";
import type { Clock } from "../../sdk/time/clock.js";
import { Listeners, SimDevice } from "./sim-device.js";

export class SimDoorSensor extends SimDevice implements DoorSensor {
  readonly kind = "door_sensor" as const;
  /** The last position reported (the sensor's reading). */
  private current: DoorState = "closed";
  /** Where the door is. */
  private door: DoorState = "closed";
  private readonly changes = new Listeners<DoorChange>();

  constructor(
    id: string,
    private readonly clock: Clock,
  ) {
    super(id);
  }

  get state(): DoorState {
    return this.current;
  }

  onChange(listener: (change: DoorChange) => void): Unsubscribe {
    return this.changes.add(listener);
  }

  openDoor(): boolean {
    return this.set("open");
  }

  forceDoor(): boolean {
    return this.set("open");
  }

  closeDoor(): boolean {
    return this.set("closed");
  }

  override reconnect(): void {
    const was = this.status;
    super.reconnect();
    if (was === "disconnected") this.read();
  }

  private set(state: DoorState): boolean {
    this.door = state;
    if (!this.connected) return false;
    this.read();
    return true;
  }

  private read(): void {
    if (this.door === this.current) return;
    this.current = this.door;
    this.changes.emit({ state: this.door, at: this.clock.now() });
  }
}
