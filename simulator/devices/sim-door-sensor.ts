/**
 * Simulated door sensor. `openDoor()` opens it (as a person walking through after an
 * unlock would), `forceDoor()` opens it too (the name documents intent in tests: the
 * gate decides whether it was forced from the relay state), `closeDoor()` closes it.
 */
import type { Unsubscribe } from "../../sdk/hal/device.js";
import type { DoorChange, DoorSensor, DoorState } from "../../sdk/hal/door-sensor.js";
import type { Clock } from "../../sdk/time/clock.js";
import { Listeners, SimDevice } from "./sim-device.js";

export class SimDoorSensor extends SimDevice implements DoorSensor {
  readonly kind = "door_sensor" as const;
  private current: DoorState = "closed";
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

  private set(state: DoorState): boolean {
    if (!this.connected) return false;
    if (state === this.current) return true;
    this.current = state;
    this.changes.emit({ state, at: this.clock.now() });
    return true;
  }
}
