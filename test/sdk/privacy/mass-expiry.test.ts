/**
 * A clock jump of +400 days once deleted every template as "consent expired", which cannot
 * be undone (issue 12, finding 11). A sweep that would delete more subjects at once than
 * the bound holds, records alarm.expiry_held, and deletes only once a trusted source (a
 * signed operator command's issue time) vouches for the time; a few expiries at a time
 * go ahead as always.
 */
import { describe, expect, it } from "vitest";
import { DAY, type Fixture, consentInput, embedding, openFixture } from "../../support/secure-store-fixture.js";

function enroll(f: Fixture, subjectId: string, expiresInDays: number): void {
  f.store.consents.give(consentInput(f, subjectId, { expiresAt: f.clock.now() + expiresInDays * DAY }));
  f.store.vault.enroll({ subjectId, gateId: "gate-a", embeddings: [embedding(subjectId.length + expiresInDays)] });
}

/** Runs every timer the scheduler asks for, at once (zero-delay continuations and the next wake-up alike). */
function drain(f: Fixture) {
  const list: Array<() => void> = [];
  return {
    setTimer: (fn: () => void, ms: number) => {
      const t = () => fn();
      if (ms === 0) list.push(t);
      return t;
    },
    clearTimer: (h: unknown) => {
      const i = list.indexOf(h as never);
      if (i >= 0) list.splice(i, 1);
    },
    run() {
      while (list.length > 0) list.shift()!();
      void f;
    },
  };
}

describe("a sweep that would delete many subjects at once", () => {
  it("holds after a +400 day clock jump until a signed operator command vouches for the time", async () => {
    const f = await openFixture();
    const events = f.events;
    for (let i = 0; i < 30; i++) enroll(f, `r${String(i).padStart(2, "0")}`, 365);
    let vouched: number | undefined;
    const timers = drain(f);
    f.clock.advance(400 * DAY); // the clock jumps: every consent looks expired
    const scheduler = f.store.startExpiryScheduler({ ...timers, massExpiry: { bound: 20, confirmedUpTo: () => vouched } });
    timers.run();
    expect(f.store.vault.subjectsWithData()).toHaveLength(30);
    expect(events.events.filter((e) => e.type === "alarm.expiry_held")).toEqual([expect.objectContaining({ category: "alarm", data: expect.objectContaining({ due: 30, bound: 20 }) })]);
    expect(f.store.audit.entries().filter((e) => e.type === "expiry.held")).toHaveLength(1);
    // Looking again finds the same and holds again, without a second alarm.
    scheduler.tick();
    timers.run();
    expect(f.store.vault.subjectsWithData()).toHaveLength(30);
    expect(events.events.filter((e) => e.type === "alarm.expiry_held")).toHaveLength(1);
    // An old confirmation (from before the jump) does not count; a fresh one does.
    vouched = f.clock.now() - 400 * DAY;
    scheduler.tick();
    timers.run();
    expect(f.store.vault.subjectsWithData()).toHaveLength(30);
    vouched = f.clock.now() - 60_000;
    scheduler.tick();
    timers.run();
    expect(f.store.vault.subjectsWithData()).toEqual([]);
    scheduler.stop();
    f.store.close();
  });

  it("lets a few expiries at a time go ahead without confirmation", async () => {
    const f = await openFixture();
    for (let i = 0; i < 5; i++) enroll(f, `s${i}`, 10);
    for (let i = 0; i < 5; i++) enroll(f, `t${i}`, 300);
    const timers = drain(f);
    f.clock.advance(11 * DAY);
    const scheduler = f.store.startExpiryScheduler({ ...timers, massExpiry: { bound: 20, confirmedUpTo: () => undefined } });
    timers.run();
    expect(f.store.vault.subjectsWithData().sort()).toEqual(["t0", "t1", "t2", "t3", "t4"]);
    scheduler.stop();
    f.store.close();
  });
});
