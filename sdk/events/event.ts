/**
 * What the device reports. Events carry opaque references only: never an embedding,
 * a face image, a key, a card number or a PIN (L4).
 *
 * `EventRecorder.record` is synchronous on purpose: it is called inside the same SQLite
 * transaction that makes the change the event reports, so the outbox row and the change
 * commit together or not at all (nothing lost on a crash).
 */
import type { EventCategory } from "../protocol/event-category.js";

export interface FacegateEvent {
  /** Stable id; consumers drop duplicates by it. */
  id: string;
  /** e.g. `access.granted`, `privacy.deletion`, `alarm.door_forced`. */
  type: string;
  category: EventCategory;
  /** Milliseconds since the epoch, from the injected clock. */
  at: number;
  gateId?: string;
  /** Opaque, non-biometric payload. */
  data: Record<string, unknown>;
  /** Audit-relevant events are never dropped when the outbox is full. */
  auditRelevant?: boolean;
}

export interface EventRecorder {
  record(event: FacegateEvent): void;
}

/** Collects events in memory; used where no outbox is wired (tests, tools). */
export class MemoryEventRecorder implements EventRecorder {
  readonly events: FacegateEvent[] = [];
  private listeners: Array<(e: FacegateEvent) => void> = [];
  record(event: FacegateEvent): void {
    this.events.push(event);
    for (const l of this.listeners) l(event);
  }
  onEvent(listener: (e: FacegateEvent) => void): void {
    this.listeners.push(listener);
  }
}

/** Fans one event out to several recorders. */
export function teeRecorder(...recorders: EventRecorder[]): EventRecorder {
  return { record: (e) => recorders.forEach((r) => r.record(e)) };
}
