/**
 * Door sensor, exit button and tamper switch on GPIO input lines, debounced.
 *
 * A contact bounces for a few milliseconds when it moves. Each edge (from gpiomon, see
 * line-monitor.ts) restarts a quiet period of `debounceMs`; when it ends, the level of
 * the last edge is the new reading, and a reading equal to the last one is no change.
 * So a bounce never reports twice, and a pulse shorter than the debounce time (noise on
 * a long cable) reports nothing. `active` is the level at which the door is open, the
 * button pressed, the enclosure tampered ("low" with a pull-up and a contact to ground).
 *
 * Inputs of one chip (and bias) share one gpiomon (`InputGroup`). While it is down the
 * inputs are "disconnected": the door sensor keeps its last state and nothing is
 * reported (sdk/hal/door-sensor.ts); on return the lines are read again and a state
 * that changed meanwhile is reported once.
 */
import { DeviceBase } from "../../../sdk/hal/device-base.js";
import { Listeners } from "../../../sdk/hal/listeners.js";
import type { DeviceStatus, HardwareKind, Unsubscribe } from "../../../sdk/hal/device.js";
import type { DoorChange, DoorSensor, DoorState } from "../../../sdk/hal/door-sensor.js";
import type { ExitButton, ExitPress } from "../../../sdk/hal/exit-button.js";
import type { TamperChange, TamperSwitch } from "../../../sdk/hal/tamper-switch.js";
import type { Logger } from "../../../sdk/log/logger.js";
import type { Clock } from "../../../sdk/time/clock.js";
import type { DriverTimers, SpawnFn } from "../process/child-process.js";
import type { LineEdge } from "./gpiomon-events.js";
import { type GpioBias, LineMonitor } from "./line-monitor.js";
import { QuietTimer } from "./quiet-timer.js";

export interface InputLine {
  offset: number;
  active: "low" | "high";
  debounceMs: number;
}

export interface InputContext {
  clock: Clock;
  timers: DriverTimers;
}

/** The shared part: a line's debounced "active" reading, and the status of its group. */
abstract class GpioInput extends DeviceBase {
  abstract override readonly kind: HardwareKind;
  /** The debounced reading; undefined until the line has been read once. */
  protected reading: boolean | undefined;
  private pendingLevel: 0 | 1 | undefined;
  /** The reading changed while the line was down: reported once it is back. */
  private restored = false;
  private readonly quiet: QuietTimer;

  constructor(
    id: string,
    readonly line: InputLine,
    protected readonly ctx: InputContext,
  ) {
    super(id, "disconnected");
    this.quiet = new QuietTimer(ctx.timers, line.debounceMs, () => this.settle());
  }

  /** A change of the reading while connected. */
  protected abstract changed(active: boolean, at: number): void;

  private isActive(level: 0 | 1): boolean {
    return (level === 1) === (this.line.active === "high");
  }

  edge(edge: LineEdge): void {
    if (!this.connected) return;
    this.pendingLevel = edge.rising ? 1 : 0;
    this.quiet.poke();
  }

  /** The level read (gpioget) before the monitor (re)started: the reading without debounce. */
  level(level: 0 | 1): void {
    this.quiet.cancel();
    this.pendingLevel = undefined;
    const active = this.isActive(level);
    const before = this.reading;
    this.reading = active;
    this.restored = before !== undefined && before !== active;
  }

  monitorStatus(status: DeviceStatus): void {
    if (status === "disconnected") {
      this.quiet.cancel();
      this.pendingLevel = undefined;
    }
    this.setStatus(status);
    if (status === "connected" && this.restored) {
      this.restored = false;
      this.changed(this.reading!, this.ctx.clock.now());
    }
  }

  private settle(): void {
    const level = this.pendingLevel;
    this.pendingLevel = undefined;
    if (level === undefined || !this.connected) return;
    const active = this.isActive(level);
    if (active === this.reading) return;
    this.reading = active;
    this.changed(active, this.ctx.clock.now());
  }
}

export class GpioDoorSensor extends GpioInput implements DoorSensor {
  readonly kind = "door_sensor" as const;
  private readonly changes = new Listeners<DoorChange>();

  get state(): DoorState {
    return this.reading ? "open" : "closed";
  }

  onChange(listener: (change: DoorChange) => void): Unsubscribe {
    return this.changes.add(listener);
  }

  protected changed(active: boolean, at: number): void {
    this.changes.emit({ state: active ? "open" : "closed", at });
  }
}

export class GpioExitButton extends GpioInput implements ExitButton {
  readonly kind = "exit_button" as const;
  private readonly presses = new Listeners<ExitPress>();

  onPress(listener: (press: ExitPress) => void): Unsubscribe {
    return this.presses.add(listener);
  }

  protected changed(active: boolean, at: number): void {
    // A press is the move to "pressed"; a button held while the line was down is not one.
    if (active) this.presses.emit({ at });
  }
}

export class GpioTamperSwitch extends GpioInput implements TamperSwitch {
  readonly kind = "tamper_switch" as const;
  private readonly changes = new Listeners<TamperChange>();

  get tampered(): boolean {
    return this.reading ?? false;
  }

  onChange(listener: (change: TamperChange) => void): Unsubscribe {
    return this.changes.add(listener);
  }

  protected changed(active: boolean, at: number): void {
    this.changes.emit({ tampered: active, at });
  }
}

export type AnyGpioInput = GpioDoorSensor | GpioExitButton | GpioTamperSwitch;

export interface InputGroupOptions {
  chip: string;
  bias: GpioBias;
  inputs: readonly AnyGpioInput[];
  spawn: SpawnFn;
  timers: DriverTimers;
  clock: Clock;
  logger: Logger;
}

/** The inputs of one chip behind one gpiomon. */
export class InputGroup {
  private readonly monitor: LineMonitor;

  constructor(o: InputGroupOptions) {
    const byOffset = new Map(o.inputs.map((i) => [i.line.offset, i]));
    this.monitor = new LineMonitor({
      chip: o.chip,
      offsets: [...byOffset.keys()],
      bias: o.bias,
      readLevels: true,
      spawn: o.spawn,
      timers: o.timers,
      clock: o.clock,
      logger: o.logger.child("gpio"),
      onEdge: (edge) => byOffset.get(edge.offset)?.edge(edge),
      onLevels: (levels) => {
        for (const [offset, level] of levels) byOffset.get(offset)?.level(level);
      },
      onStatus: (status) => {
        for (const input of o.inputs) input.monitorStatus(status);
      },
    });
  }

  start(): void {
    this.monitor.start();
  }

  stop(): Promise<void> {
    return this.monitor.stop();
  }
}
