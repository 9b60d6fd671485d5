/**
 * A set of listeners as every hardware contract wants them (sdk/hal/device.ts): a
 * listener that throws does not stop the others nor the device, and an unsubscribe
 * function may be called twice. Shared by the simulated devices and the real drivers.
 */
import type { Unsubscribe } from "./device.js";

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
