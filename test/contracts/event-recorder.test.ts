/**
 * The EventRecorder suite over the device's outbox (real SQLite), the in-memory recorder
 * of the tests, tools and simulator, and the two side by side as the simulator wires them
 * (teeRecorder(outbox, memory), read from memory). Only the outbox is transactional: the
 * in-memory recorder keeps an event whose transaction rolled back (see its doc comment).
 */
import { MemoryEventRecorder, teeRecorder } from "../../sdk/events/event.js";
import { openDatabase } from "../../sdk/store/database.js";
import { Outbox, outboxMigrations } from "../../sdk/transport/outbox.js";
import { type KeptEvent, eventRecorderContract, transactionalRecorderContract } from "./event-recorder-contract.js";
import { testDeviceSigner } from "../support/device-signer.js";

const identity = { site: "estate-7", gate: "north" };
const signer = await testDeviceSigner();

function outboxOn(clock: { now(): number }) {
  const db = openDatabase({ path: ":memory:", migrations: [outboxMigrations] });
  const outbox = new Outbox({ db, identity, clock, signer });
  const recorded = (): KeptEvent[] =>
    outbox.pendingAfter(0, 1_000).map((row) => {
      const { id, type, category, at, data, auditRelevant } = JSON.parse(row.payload) as KeptEvent;
      return { id, type, category, at, data, auditRelevant };
    });
  return { db, outbox, recorded };
}

const asKept = (events: readonly KeptEvent[]): KeptEvent[] => events.map(({ id, type, category, at, data, auditRelevant }) => ({ id, type, category, at, data, auditRelevant }));

transactionalRecorderContract({
  name: "Outbox (sdk/transport/outbox.ts)",
  create: async ({ clock }) => {
    const { db, outbox, recorded } = outboxOn(clock);
    return { recorder: outbox, recorded, db, close: () => void db.close() };
  },
});

eventRecorderContract({
  name: "MemoryEventRecorder (sdk/events/event.ts)",
  create: async () => {
    const memory = new MemoryEventRecorder();
    return { recorder: memory, recorded: () => asKept(memory.events), close() {} };
  },
});

eventRecorderContract({
  name: "teeRecorder(outbox, memory), as the simulator reads it",
  create: async ({ clock }) => {
    const { db, outbox } = outboxOn(clock);
    const memory = new MemoryEventRecorder();
    return { recorder: teeRecorder(outbox, memory), recorded: () => asKept(memory.events), close: () => void db.close() };
  },
});
