/**
 * Watches the door through its sensor for the alarms of sdk/policy/door-alarms.ts (door
 * forced, held open, cleared): each is recorded as `alarm.<type>`, logged and shown on the
 * indicator. Without a connected sensor nothing is watched.
 */
import type { DeviceStatus } from "../hal/device.js";
import type { DoorSensor } from "../hal/door-sensor.js";
import type { IndicatorSignal } from "../hal/indicator.js";
import type { Logger } from "../log/logger.js";
import { type DoorAlarm, type DoorInput, type DoorMonitorState, INITIAL_DOOR_STATE, doorStep } from "../policy/door-alarms.js";

/** What the door watch may use of the gate. */
export interface DoorWatchContext {
  readonly gateId: string;
  readonly sensor: DoorSensor | undefined;
  readonly log: Logger;
  /** How long the door may stay open, from the gate's policy. */
  heldOpenMs(): number;
  record(type: string, data: Record<string, unknown>): void;
  signal(kind: IndicatorSignal): Promise<void>;
}

export class DoorWatch {
  private readonly ctx: DoorWatchContext;
  private door: DoorMonitorState = INITIAL_DOOR_STATE;

  constructor(context: DoorWatchContext) {
    this.ctx = context;
  }

  /** Starts from what the sensor says now (the gate starts). */
  reset(): void {
    const sensor = this.ctx.sensor;
    if (sensor) this.door = { ...INITIAL_DOOR_STATE, door: sensor.status === "connected" ? sensor.state : "unknown" };
  }

  /** The sensor connected or disconnected: the door is as it says now, or unknown. */
  onSensorStatus(status: DeviceStatus): void {
    this.door = { ...this.door, door: status === "connected" ? (this.ctx.sensor?.state ?? "unknown") : "unknown", openedAt: null };
  }

  /** A door event, an unlocking or a tick; reports the alarms it raises. */
  step(input: DoorInput): void {
    const sensor = this.ctx.sensor;
    if (!sensor || sensor.status !== "connected") return;
    const { state, alarms } = doorStep(this.door, input, { heldOpenMs: this.ctx.heldOpenMs() });
    for (const alarm of alarms) this.reportAlarm(alarm);
    this.door = state;
  }

  private reportAlarm(alarm: DoorAlarm): void {
    const data: Record<string, unknown> = alarm.type === "door_held_open" ? { openForMs: alarm.openForMs } : alarm.type === "door_alarm_cleared" ? { cleared: alarm.cleared } : {};
    this.ctx.record(`alarm.${alarm.type}`, data);
    this.ctx.log.warn(`door alarm: ${alarm.type}`, { gate: this.ctx.gateId });
    void this.ctx.signal(alarm.type === "door_alarm_cleared" ? "idle" : "alarm");
  }
}
