/** Simulated keypad: `press(key)`, `typeKeys("101*2468#")`, `typePin(pin)` (= digits then `#`). */
import type { Unsubscribe } from "../../sdk/hal/device.js";
import { type KeyPress, type Keypad, isKeypadKey } from "../../sdk/hal/keypad.js";
import type { Clock } from "../../sdk/time/clock.js";
import { Listeners, SimDevice } from "./sim-device.js";

export class SimKeypad extends SimDevice implements Keypad {
  readonly kind = "keypad" as const;
  private readonly keys = new Listeners<KeyPress>();
  presses = 0;

  constructor(
    id: string,
    private readonly clock: Clock,
  ) {
    super(id);
  }

  onKey(listener: (press: KeyPress) => void): Unsubscribe {
    return this.keys.add(listener);
  }

  /** Test hook: one key. Returns false when disconnected. Throws on a key the pad does not have. */
  press(key: string): boolean {
    if (!isKeypadKey(key)) throw new RangeError(`not a keypad key: ${JSON.stringify(key)}`);
    if (!this.connected) return false;
    this.presses++;
    this.keys.emit({ key, at: this.clock.now() });
    return true;
  }

  /** Test hook: several keys in order. */
  typeKeys(keys: string): boolean {
    for (const k of keys) if (!isKeypadKey(k)) throw new RangeError("not a sequence of keypad keys");
    let ok = true;
    for (const k of keys) ok = this.press(k) && ok;
    return ok;
  }

  /** Test hook: a PIN followed by `#`; with a code, `code * PIN #`. */
  typePin(pin: string, code?: string): boolean {
    return this.typeKeys(code === undefined ? `${pin}#` : `${code}*${pin}#`);
  }
}
