/**
 * Builds the gate's events. Payloads carry opaque references, methods and reasons only:
 * never an embedding, a score, an image, a card number or a PIN (L4).
 */
import type { FacegateEvent } from "../events/event.js";
import type { EventCategory } from "../protocol/event-category.js";

const AUDIT_RELEVANT = new Set(["privacy", "alarm", "command"]);

export function gateEvent(id: string, type: string, at: number, gateId: string, data: Record<string, unknown>): FacegateEvent {
  const category = type.slice(0, type.indexOf(".")) as EventCategory;
  return { id, type, category, at, gateId, data, auditRelevant: AUDIT_RELEVANT.has(category) };
}
