/**
 * What the device reports. Events carry opaque references only: never an embedding,
 * a face image, a key, a card number or a PIN (L4).
 *
 * `EventRecorder.record` is synchronous on purpose: it is called inside the same SQLite
 * transaction that makes the change the event reports, so the outbox row and the change
 * commit together or not at all (nothing lost on a crash).
 */
import { TransportError } from "../errors.js";
import type { EventCategory } from "../protocol/event-category.js";
import { MAX_EVENT_BYTES, checkEvent } from "./event-check.js";

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

const UTF8 = new TextEncoder();

/**
 * Collects events in memory: for tools and tests, and beside the outbox in the
 * simulator. It keeps the obligations of every recorder, as the outbox does: it refuses
 * what event-check.ts refuses (and events over MAX_EVENT_BYTES), keeps a repeated id
 * once, and keeps each event as a consumer gets it (a JSON copy taken when recorded).
 * It is not transactional: an event recorded in a transaction that then rolls back stays
 * here (better-sqlite3 tells no one of a rollback); the outbox drops it with the change.
 */
export class MemoryEventRecorder implements EventRecorder {
  readonly events: FacegateEvent[] = [];
  private readonly ids = new Set<string>();
  private listeners: Array<(e: FacegateEvent) => void> = [];
  record(event: FacegateEvent): void {
    checkEvent(event);
    const text = JSON.stringify(event);
    if (UTF8.encode(text).length > MAX_EVENT_BYTES) throw new TransportError("event_too_large", `event ${event.type} is larger than ${MAX_EVENT_BYTES} bytes`);
    if (this.ids.has(event.id)) return;
    this.ids.add(event.id);
    const kept = JSON.parse(text) as FacegateEvent;
    this.events.push(kept);
    for (const l of this.listeners) l(kept);
  }
  onEvent(listener: (e: FacegateEvent) => void): void {
    this.listeners.push(listener);
  }
}

/** Fans one event out to several recorders. */
export function teeRecorder(...recorders: EventRecorder[]): EventRecorder {
  return { record: (e) => recorders.forEach((r) => r.record(e)) };
}
