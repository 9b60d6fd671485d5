/**
 * Devices that keep every hardware contract except the ones they are told to break: the
 * positive controls of the hardware suites (contract-controls.test.ts). Without faults
 * each passes its suite, like the simulator's devices; with one fault, the obligation it
 * breaks must fail.
 */
import { HardwareError } from "../../../../sdk/errors.js";
import type { Camera, CameraFrame, FrameInfo } from "../../../../sdk/hal/camera.js";
import type { CardRead, CardReader } from "../../../../sdk/hal/card-reader.js";
import { type DeviceStatus, type HardwareKind, type Unsubscribe, disconnectedError } from "../../../../sdk/hal/device.js";
import { type Display, type DisplayMessage, renderDisplayText } from "../../../../sdk/hal/display.js";
import type { DoorRelay } from "../../../../sdk/hal/door-relay.js";
import type { DoorChange, DoorSensor, DoorState } from "../../../../sdk/hal/door-sensor.js";
import type { ExitButton, ExitPress } from "../../../../sdk/hal/exit-button.js";
import type { Indicator, IndicatorSignal } from "../../../../sdk/hal/indicator.js";
import type { KeyPress, Keypad, KeypadKey } from "../../../../sdk/hal/keypad.js";
import type { ContractEnv } from "../../../../sdk/testing/hal/index.js";

export type Faults = ReadonlySet<string>;

/** Listeners that keep the contract unless a fault says otherwise. */
class Hub<T> {
  private readonly set = new Set<(value: T) => void>();
  constructor(private readonly faults: Faults) {}

  add(listener: (value: T) => void): Unsubscribe {
    const wrapped = (value: T): void => listener(value);
    this.set.add(wrapped);
    if (this.faults.has("unsubscribe_removes_all")) return () => this.set.clear();
    return () => {
      this.set.delete(wrapped);
    };
  }

  emit(value: T): void {
    for (const l of [...this.set]) {
      if (this.faults.has("throwing_listener_stops_the_rest")) l(value);
      else {
        try {
          l(value);
        } catch {
          // swallowed, as the contract says
        }
      }
      if (this.faults.has("first_listener_only")) return;
    }
  }
}

abstract class FaultyDevice {
  abstract readonly kind: HardwareKind;
  readonly id: string;
  private current: DeviceStatus;
  private readonly statusHub: Hub<DeviceStatus>;
  /** Every line the device "logged". */
  readonly logs: string[] = [];

  constructor(
    readonly env: ContractEnv,
    readonly faults: Faults,
  ) {
    this.id = faults.has("empty_id") ? "" : "faulty.device";
    this.current = faults.has("starts_disconnected") ? "disconnected" : "connected";
    this.statusHub = new Hub(faults);
  }

  get status(): DeviceStatus {
    return this.faults.has("status_stale") ? "connected" : this.current;
  }

  onStatus(listener: (status: DeviceStatus) => void): Unsubscribe {
    return this.statusHub.add(listener);
  }

  disconnect(): void {
    if (this.current === "disconnected" && !this.faults.has("repeats_status")) return;
    this.current = "disconnected";
    this.statusHub.emit("disconnected");
  }

  reconnect(): void {
    if (this.current === "connected" && !this.faults.has("repeats_status")) return;
    this.current = "connected";
    this.statusHub.emit("connected");
    for (const again of this.held.splice(0)) again();
  }

  get connected(): boolean {
    return this.current === "connected";
  }

  /** Inputs kept while disconnected and delivered once back (fault holds_input_until_reconnect). */
  private readonly held: Array<() => void> = [];

  /** Whether an input reaches the listeners now; `again` gives it once more, for a device that holds it. */
  protected delivers(again?: () => void): boolean {
    if (this.connected || this.faults.has("input_while_disconnected")) return true;
    if (again && this.faults.has("holds_input_until_reconnect")) this.held.push(again);
    return false;
  }

  protected stamp(): number {
    return this.faults.has("stamps_with_date_now") ? Date.now() : this.env.clock.now();
  }

  protected assertConnected(): void {
    if (!this.connected && !this.faults.has("operates_while_disconnected")) throw disconnectedError(this);
  }
}

export class FaultyCardReader extends FaultyDevice implements CardReader {
  readonly kind = "card_reader" as const;
  private readonly hub = new Hub<CardRead>(this.faults);
  onCard(listener: (read: CardRead) => void): Unsubscribe {
    return this.hub.add(listener);
  }
  present(cardNumber: string): void {
    if (this.faults.has("logs_secrets")) this.logs.push(JSON.stringify({ msg: "card read", card: cardNumber }));
    if (!this.delivers(() => this.present(cardNumber))) return;
    const read = { cardNumber: this.faults.has("formats_the_number") ? `card ${cardNumber}` : cardNumber, at: this.stamp() };
    this.hub.emit(read);
    if (this.faults.has("reports_twice")) this.hub.emit(read);
  }
  logText(): string {
    return this.logs.join("\n");
  }
}

export class FaultyKeypad extends FaultyDevice implements Keypad {
  readonly kind = "keypad" as const;
  private readonly hub = new Hub<KeyPress>(this.faults);
  private buffer: KeyPress[] = [];
  onKey(listener: (press: KeyPress) => void): Unsubscribe {
    return this.hub.add(listener);
  }
  press(key: KeypadKey): void {
    if (this.faults.has("logs_secrets")) this.logs.push(`key ${key}`);
    if (!this.delivers(() => this.press(key))) return;
    if (this.faults.has("swallows_star") && key === "*") return;
    const press = { key, at: this.stamp() };
    if (!this.faults.has("buffers_until_hash")) return this.hub.emit(press);
    this.buffer.push(press);
    if (key !== "#") return;
    for (const p of this.buffer.splice(0)) this.hub.emit(p);
  }
  logText(): string {
    return this.logs.join("");
  }
}

export class FaultyRelay extends FaultyDevice implements DoorRelay {
  readonly kind = "door_relay" as const;
  readonly maxUnlockMs = 60_000;
  private until = 0;
  private releasedAt = Number.POSITIVE_INFINITY;

  /** Refuses the way the contract says (a rejected promise), or at once with `throws_at_once`. */
  private refuse(err: HardwareError): Promise<void> {
    if (this.faults.has("throws_at_once")) throw err;
    return Promise.reject(err);
  }

  unlock(durationMs: number): Promise<void> {
    if (!this.connected && !this.faults.has("operates_while_disconnected")) return this.refuse(disconnectedError(this));
    const valid = Number.isFinite(durationMs) && durationMs > 0 && durationMs <= this.maxUnlockMs;
    if (!valid && !this.faults.has("accepts_any_duration")) return this.refuse(new HardwareError("hardware_invalid_request", "bad duration"));
    const now = this.env.clock.now();
    const end = now + (valid ? durationMs : 1_000);
    if (this.faults.has("shortens")) this.until = end;
    else if (this.faults.has("never_extends")) this.until = this.unlockedNow() ? this.until : end;
    else this.until = Math.max(this.until, end);
    this.releasedAt = this.faults.has("resolves_before_release") ? now + 1 : now;
    return Promise.resolve();
  }

  lock(): Promise<void> {
    if (!this.connected && !this.faults.has("operates_while_disconnected")) return this.refuse(disconnectedError(this));
    if (!this.faults.has("lock_does_nothing")) this.until = 0;
    return Promise.resolve();
  }

  private unlockedNow(): boolean {
    const now = this.env.clock.now();
    return now >= this.releasedAt && (now < this.until || (this.faults.has("never_relocks") && this.until > 0));
  }

  unlocked(): boolean {
    return this.faults.has("starts_unlocked") || this.unlockedNow();
  }
}

export class FaultyDoorSensor extends FaultyDevice implements DoorSensor {
  readonly kind = "door_sensor" as const;
  private readonly hub = new Hub<DoorChange>(this.faults);
  private position: DoorState = "closed";
  private reading: DoorState = "closed";

  get state(): DoorState {
    if (this.faults.has("state_unknown_while_disconnected") && !this.connected) return "closed";
    return this.faults.has("state_is_not_current") ? "closed" : this.reading;
  }
  onChange(listener: (change: DoorChange) => void): Unsubscribe {
    return this.hub.add(listener);
  }
  move(state: DoorState): void {
    const moved = state !== this.position;
    this.position = state;
    if (!this.delivers()) return;
    if (!moved && !this.faults.has("repeat_is_a_change")) return;
    this.reading = state;
    this.hub.emit({ state, at: this.stamp() });
  }
  override reconnect(): void {
    const was = this.connected;
    super.reconnect();
    if (was) return;
    const moved = this.reading !== this.position;
    if ((moved && !this.faults.has("stale_after_reconnect")) || (!moved && this.faults.has("reports_on_return_regardless"))) {
      this.reading = this.position;
      this.hub.emit({ state: this.position, at: this.stamp() });
    }
  }
}

export class FaultyExitButton extends FaultyDevice implements ExitButton {
  readonly kind = "exit_button" as const;
  private readonly hub = new Hub<ExitPress>(this.faults);
  onPress(listener: (press: ExitPress) => void): Unsubscribe {
    return this.hub.add(listener);
  }
  push(): void {
    if (!this.delivers(() => this.push())) return;
    this.hub.emit({ at: this.stamp() });
    if (this.faults.has("reports_twice")) this.hub.emit({ at: this.stamp() });
  }
}

export class FaultyCamera extends FaultyDevice implements Camera {
  readonly kind = "camera" as const;
  private readonly hub = new Hub<{ frame: CameraFrame; info: FrameInfo }>(this.faults);
  private captured = 0;
  onFrame(listener: (frame: CameraFrame, info: FrameInfo) => void): Unsubscribe {
    return this.hub.add(({ frame, info }) => listener(frame, info));
  }
  capture(): void {
    if (!this.delivers(() => this.capture())) return;
    this.captured++;
    const frame: CameraFrame = this.faults.has("not_an_image")
      ? new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
      : { width: 4, height: 2, data: new Uint8Array(this.faults.has("padded_rows") ? 4 * 2 * 4 : 4 * 2 * 3) };
    const at = this.faults.has("stamps_backwards") ? this.env.clock.now() - this.captured * 1_000 : this.stamp();
    this.hub.emit({ frame, info: { at } });
  }
}

export class FaultyDisplay extends FaultyDevice implements Display {
  readonly kind = "display" as const;
  private shown: string[] = [];
  private pendingText: string | null = null;
  async show(message: DisplayMessage): Promise<void> {
    this.assertConnected();
    let text = renderDisplayText(message);
    if (this.faults.has("shows_text_only") && "text" in message) text = message.text;
    if (message.kind === "menu" && this.faults.has("shows_text_only")) text = message.title;
    if (this.faults.has("cuts_long_text")) text = text.slice(0, 64);
    if (this.faults.has("shows_after_resolving")) {
      this.pendingText = text;
      return;
    }
    if (this.faults.has("appends")) this.shown.push(text);
    else this.shown = [text];
  }
  screen(): string {
    if (this.pendingText !== null) {
      const text = this.pendingText;
      this.pendingText = null;
      this.shown = [text];
      return "";
    }
    return this.shown.join("\n");
  }
}

export class FaultyIndicator extends FaultyDevice implements Indicator {
  readonly kind = "indicator" as const;
  private shown: IndicatorSignal = "idle";
  private applied = true;
  private timer: unknown = null;
  readonly returnsToIdleWithinMs = 3_000;
  async signal(kind: IndicatorSignal): Promise<void> {
    this.assertConnected();
    this.shown = kind;
    this.applied = !this.faults.has("applies_after_resolving");
    const temporary = kind === "granted" || kind === "denied" || kind === "attention" || (kind === "alarm" && this.faults.has("alarm_ends_by_itself"));
    if (!this.faults.has("keeps_a_stale_timer") && this.timer !== null) this.env.timers.clearTimer(this.timer);
    if (temporary && !this.faults.has("stays_on")) this.timer = this.env.timers.setTimer(() => (this.shown = "idle"), this.returnsToIdleWithinMs);
  }
  pattern(): IndicatorSignal {
    if (!this.applied) {
      this.applied = true;
      return "idle";
    }
    return this.shown;
  }
}
