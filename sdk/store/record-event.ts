/**
 * Builds a FacegateEvent and hands it to the optional recorder. Callers invoke this
 * inside the SQLite transaction that makes the change, so an outbox recorder commits
 * the event with the change (nothing lost on a crash). Data must be opaque references
 * and counts only (L4).
 */
import { randomUUID } from "node:crypto";
import type { EventRecorder } from "../events/event.js";
import type { EventCategory } from "../protocol/event-category.js";
import type { Clock } from "../time/clock.js";

export interface EventDraft {
  type: string;
  category: EventCategory;
  data: Record<string, unknown>;
  gateId?: string;
}

export function recordEvent(recorder: EventRecorder | undefined, clock: Clock, draft: EventDraft): void {
  if (!recorder) return;
  recorder.record({
    id: randomUUID(),
    type: draft.type,
    category: draft.category,
    at: clock.now(),
    ...(draft.gateId !== undefined ? { gateId: draft.gateId } : {}),
    data: draft.data,
    auditRelevant: true,
  });
}
