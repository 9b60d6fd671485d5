/**
 * The EventRecorder port (sdk/events/event.ts) as a suite: `record` is synchronous (it
 * runs inside the transaction of the change it reports), events carry opaque references
 * only (L4), ids are stable and recorded once. Recorders on the device database also
 * commit or roll back with the change (`transactionalRecorderObligations`).
 *
 * The fixture provides `recorded()`: what the recorder kept, as a consumer gets it.
 */
import { expect } from "vitest";
import { TransportError } from "../../sdk/errors.js";
import type { EventRecorder, FacegateEvent } from "../../sdk/events/event.js";
import type { Db } from "../../sdk/store/database.js";
import { type Closable, type ContractOptions, type Obligation, registerContract } from "../../sdk/testing/contract-kit.js";

/** An event as a consumer sees it (the device's own gateId is not part of it). */
export type KeptEvent = Pick<FacegateEvent, "id" | "type" | "category" | "at" | "data" | "auditRelevant">;

export interface EventRecorderFixture extends Closable {
  recorder: EventRecorder;
  recorded(): KeptEvent[];
}

export interface TransactionalRecorderFixture extends EventRecorderFixture {
  /** The database the recorder writes to, where the changes it reports are made. */
  db: Db;
}

let n = 0;
const event = (over: Partial<FacegateEvent> = {}): FacegateEvent => ({ id: `e-${++n}`, type: "access.granted", category: "access", at: 1_900_000_000_000, data: { personRef: "p-1", method: "card" }, auditRelevant: true, ...over });

function expectRefused(f: EventRecorderFixture, e: FacegateEvent, code: string, what: string): void {
  let thrown: unknown;
  try {
    f.recorder.record(e);
  } catch (err) {
    thrown = err;
  }
  expect(thrown, `${what}: refused with a TransportError`).toBeInstanceOf(TransportError);
  expect((thrown as TransportError).code, what).toBe(code);
  expect(f.recorded().map((k) => k.id), `${what}: nothing kept`).not.toContain(e.id);
}

export const eventRecorderObligations: ReadonlyArray<Obligation<EventRecorderFixture>> = [
  {
    name: "record is synchronous: it returns nothing, and the event is kept when it returns",
    async check(f) {
      const e = event();
      const returned: unknown = f.recorder.record(e);
      expect(returned).toBeUndefined();
      expect(f.recorded().map((k) => k.id)).toEqual([e.id]);
    },
  },
  {
    name: "keeps events in the order recorded, each as given: id, type, category, time, data and audit flag",
    async check(f) {
      const a = event({ type: "access.denied", data: { reason: "unknown_credential", method: "card" }, auditRelevant: false });
      const b = event({ type: "privacy.deletion", category: "privacy", data: { subjectId: "s-1", receipt: { receiptId: "r-1", deleted: { templates: 2 } } } });
      const c = event({ type: "alarm.door_forced", category: "alarm", gateId: "lobby", data: {} });
      for (const e of [a, b, c]) f.recorder.record(e);
      const strip = ({ id, type, category, at, data, auditRelevant }: FacegateEvent): KeptEvent => ({ id, type, category, at, data, auditRelevant });
      expect(f.recorded()).toEqual([a, b, c].map(strip));
    },
  },
  {
    name: "records a repeated event id once (consumers drop duplicates by it)",
    async check(f) {
      const e = event();
      f.recorder.record(e);
      f.recorder.record({ ...e });
      expect(f.recorded().map((k) => k.id)).toEqual([e.id]);
    },
  },
  {
    name: "refuses an event carrying binary data, a long numeric array or a field named like biometric data (event_invalid, L4), keeping nothing of it",
    async check(f) {
      expectRefused(f, event({ data: { embedding: [0.1, 0.2] } }), "event_invalid", "an embedding field");
      expectRefused(f, event({ data: { face: { template: "AAAA" } } }), "event_invalid", "a nested template field");
      expectRefused(f, event({ data: { x: new Float32Array(4) } }), "event_invalid", "binary data");
      expectRefused(f, event({ data: { x: Array.from({ length: 512 }, () => 0.5) } }), "event_invalid", "a 512-number array");
      expect(f.recorded()).toEqual([]);
    },
  },
  {
    name: "refuses a malformed event: a bad id, an unknown category, an empty or overlong type (event_invalid)",
    async check(f) {
      expectRefused(f, event({ id: "has spaces" }), "event_invalid", "an id with spaces");
      expectRefused(f, event({ id: "" }), "event_invalid", "an empty id");
      expectRefused(f, event({ category: "gossip" as FacegateEvent["category"] }), "event_invalid", "an unknown category");
      expectRefused(f, event({ type: "" }), "event_invalid", "an empty type");
      expectRefused(f, event({ type: "x".repeat(65) }), "event_invalid", "a 65-character type");
      expect(f.recorded()).toEqual([]);
    },
  },
  {
    name: "refuses an event larger than 16 KiB (event_too_large)",
    async check(f) {
      expectRefused(f, event({ data: { note: "x".repeat(17 * 1024) } }), "event_too_large", "a 17 KiB event");
    },
  },
  {
    name: "keeps the event as it was when recorded: later changes to the caller's object do not reach it",
    async check(f) {
      const data: Record<string, unknown> = { personRef: "p-1", method: "card" };
      const e = event({ data });
      f.recorder.record(e);
      data["personRef"] = "p-2";
      expect(f.recorded()[0]!.data).toEqual({ personRef: "p-1", method: "card" });
    },
  },
];

export const transactionalRecorderObligations: ReadonlyArray<Obligation<TransactionalRecorderFixture>> = [
  {
    name: "joins the caller's transaction: an event whose change rolls back is not kept, one whose change commits is",
    async check(f) {
      const kept = event();
      const lost = event();
      f.db.transaction(() => f.recorder.record(kept))();
      expect(() =>
        f.db.transaction(() => {
          f.recorder.record(lost);
          throw new Error("the change failed");
        })(),
      ).toThrow("the change failed");
      expect(f.recorded().map((k) => k.id)).toEqual([kept.id]);
    },
  },
];

export function eventRecorderContract(options: ContractOptions<EventRecorderFixture>): void {
  registerContract("EventRecorder contract (sdk/events/event.ts)", options, eventRecorderObligations);
}

export function transactionalRecorderContract(options: ContractOptions<TransactionalRecorderFixture>): void {
  registerContract("EventRecorder contract (sdk/events/event.ts)", options, [...eventRecorderObligations, ...transactionalRecorderObligations]);
}
