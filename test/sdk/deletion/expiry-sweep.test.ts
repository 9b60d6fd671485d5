/**
 * The expiry sweep costs little on the door's thread (issue 18): the catch-up sweep at start
 * looks at everyone but in bounded turns, each later sweep looks only at the consents that
 * expired since the previous one, and the scheduler sleeps until the next expiry.
 */
import { describe, expect, it, vi } from "vitest";
import { DAY, type Fixture, consentInput, embedding, openFixture } from "../../support/secure-store-fixture.js";

function enroll(f: Fixture, subjectId: string, expiresInDays: number): void {
  f.store.consents.give(consentInput(f, subjectId, { expiresAt: f.clock.now() + expiresInDays * DAY }));
  f.store.vault.enroll({ subjectId, gateId: "gate-a", embeddings: [embedding(subjectId.length + expiresInDays)] });
}

/** Timers kept in a list, so the test sees every turn the scheduler asks for. */
function listTimers(f: Fixture) {
  const list: Array<{ fn: () => void; at: number; ms: number }> = [];
  return {
    list,
    setTimer: (fn: () => void, ms: number) => {
      const t = { fn, at: f.clock.now() + ms, ms };
      list.push(t);
      return t;
    },
    clearTimer: (h: unknown) => {
      const i = list.indexOf(h as never);
      if (i >= 0) list.splice(i, 1);
    },
    fireNext(): number {
      const t = list.sort((a, b) => a.at - b.at).shift()!;
      f.clock.set(Math.max(t.at, f.clock.now())); // a timer fires at its time, or late, never in the past
      t.fn();
      return t.ms;
    },
  };
}

describe("expiry sweep", () => {
  it("ends a turn once the clock has moved maxTurnMs, however few steps it took: slow steps make turns shorter", async () => {
    const f = await openFixture();
    for (let i = 0; i < 30; i++) enroll(f, `s${String(i).padStart(3, "0")}`, 30 + i);
    const timers = listTimers(f);
    // Every subject looked at takes the clock 2 ms on (a slow disk, a busy core).
    const original = f.store.deletion.expireIfDue.bind(f.store.deletion);
    const looked = vi.spyOn(f.store.deletion, "expireIfDue").mockImplementation((subjectId, now) => {
      f.clock.advance(2);
      return original(subjectId, now);
    });
    const scheduler = f.store.startExpiryScheduler({ setTimer: timers.setTimer, clearTimer: timers.clearTimer, stepsPerTurn: 64, maxTurnMs: 5, maxIntervalMs: 7 * DAY });
    const perTurn = [looked.mock.calls.length];
    let before = looked.mock.calls.length;
    while (scheduler.sweeping) {
      timers.fireNext();
      perTurn.push(looked.mock.calls.length - before);
      before = looked.mock.calls.length;
    }
    // 64 steps were allowed per turn; 5 ms at 2 ms a step ends each turn after three.
    expect(Math.max(...perTurn)).toBeLessThanOrEqual(3);
    expect(perTurn.length).toBeGreaterThanOrEqual(10);
    scheduler.stop();
  });

  it("catches up in bounded turns: at most stepsPerTurn subjects looked at per turn, the rest on a zero-delay timer", async () => {
    const f = await openFixture();
    for (let i = 0; i < 40; i++) enroll(f, `r${String(i).padStart(3, "0")}`, 30 + i);
    f.clock.advance(35 * DAY); // r000..r005 expired while "the device was off"
    const looked = vi.spyOn(f.store.deletion, "expireIfDue");
    const timers = listTimers(f);
    const scheduler = f.store.startExpiryScheduler({ setTimer: timers.setTimer, clearTimer: timers.clearTimer, stepsPerTurn: 10, maxIntervalMs: 7 * DAY });
    // First turn: 10 steps' worth (a deletion counts for 5), then a continuation.
    expect(looked.mock.calls.length).toBeLessThanOrEqual(10);
    expect(scheduler.sweeping).toBe(true);
    expect(timers.list.map((t) => t.ms)).toEqual([0]);
    let turns = 1;
    while (scheduler.sweeping) {
      const before = looked.mock.calls.length;
      expect(timers.fireNext()).toBe(0);
      expect(looked.mock.calls.length - before).toBeLessThanOrEqual(10);
      turns++;
    }
    expect(turns).toBeGreaterThanOrEqual(4);
    expect(looked.mock.calls.length).toBe(40);
    const deleted = Array.from({ length: 40 }, (_, i) => `r${String(i).padStart(3, "0")}`).filter((s) => f.store.deletion.receipts(s).length > 0);
    expect(deleted).toEqual(["r000", "r001", "r002", "r003", "r004", "r005"]);
    // Then it sleeps until the next expiry (r006, at 36 days), not a fixed poll.
    expect(timers.list).toHaveLength(1);
    expect(timers.list[0]!.at).toBe(f.clock.now() + DAY);
    scheduler.stop();
    f.store.close();
  });

  it("after the first sweep, looks only at the consents that expired since the previous one", async () => {
    const f = await openFixture();
    for (let i = 0; i < 30; i++) enroll(f, `s${String(i).padStart(3, "0")}`, 100 + (i % 3 === 0 ? 0 : i));
    const timers = listTimers(f);
    const scheduler = f.store.startExpiryScheduler({ setTimer: timers.setTimer, clearTimer: timers.clearTimer, maxIntervalMs: 400 * DAY });
    expect(scheduler.sweeping).toBe(false);
    const looked = vi.spyOn(f.store.deletion, "expireIfDue");
    // Woken at day 100, when s000, s003, ..., s027 (ten of them) expire together.
    timers.fireNext();
    while (scheduler.sweeping) timers.fireNext();
    expect(new Set(looked.mock.calls.map((c) => c[0]))).toEqual(new Set(Array.from({ length: 10 }, (_, k) => `s${String(3 * k).padStart(3, "0")}`)));
    expect(f.store.subjectStatus("s003")).toMatchObject({ templates: 0, dataKey: false });
    expect(f.store.subjectStatus("s001").templates).toBe(1);
    // The next wake-up looks at exactly the one whose consent expired then.
    looked.mockClear();
    timers.fireNext();
    expect(looked.mock.calls.map((c) => c[0])).toEqual(["s001"]);
    expect(f.store.subjectStatus("s001")).toMatchObject({ templates: 0, dataKey: false });
    scheduler.stop();
    f.store.close();
  });

  it("a wake-up with nothing due looks at nobody", async () => {
    const f = await openFixture();
    for (let i = 0; i < 20; i++) enroll(f, `q${i}`, 200);
    const timers = listTimers(f);
    const scheduler = f.store.startExpiryScheduler({ setTimer: timers.setTimer, clearTimer: timers.clearTimer, maxIntervalMs: DAY });
    const looked = vi.spyOn(f.store.deletion, "expireIfDue");
    for (let d = 0; d < 5; d++) timers.fireNext(); // five daily safety wake-ups
    expect(looked).not.toHaveBeenCalled();
    expect(f.store.vault.subjectsWithData()).toHaveLength(20);
    scheduler.stop();
    f.store.close();
  });
});

describe("expiry sweep timer", () => {
  it("moves its timer earlier when a consent is given that expires before it", async () => {
    const f = await openFixture();
    enroll(f, "long", 200);
    const timers = listTimers(f);
    const scheduler = f.store.startExpiryScheduler({ setTimer: timers.setTimer, clearTimer: timers.clearTimer, maxIntervalMs: 30 * DAY });
    expect(timers.list.map((t) => t.at)).toEqual([f.clock.now() + 30 * DAY]);
    enroll(f, "short", 2);
    expect(timers.list.map((t) => t.at)).toEqual([f.clock.now() + 2 * DAY]);
    enroll(f, "later", 10); // after the timer: it stays
    expect(timers.list.map((t) => t.at)).toEqual([f.clock.now() + 2 * DAY]);
    timers.fireNext();
    expect(f.store.subjectStatus("short")).toMatchObject({ templates: 0, dataKey: false });
    expect(f.store.subjectStatus("long").templates).toBe(1);
    scheduler.stop();
    enroll(f, "after-stop", 1); // a stopped scheduler sets no timer
    expect(timers.list).toHaveLength(0);
    f.store.close();
  });
});

describe("expiry sweep across turns", () => {
  it("judges each subject when it looks at it: someone enrolled while a sweep is part-way through keeps their data", async () => {
    const f = await openFixture();
    for (let i = 0; i < 30; i++) enroll(f, `a${String(i).padStart(2, "0")}`, 100);
    const timers = listTimers(f);
    const scheduler = f.store.startExpiryScheduler({ setTimer: timers.setTimer, clearTimer: timers.clearTimer, stepsPerTurn: 8, maxIntervalMs: 7 * DAY });
    expect(scheduler.sweeping).toBe(true);
    f.clock.advance(1_000);
    enroll(f, "zz-new", 100); // consent given after the sweep began, at a name it has not reached yet
    while (scheduler.sweeping) timers.fireNext();
    expect(f.store.subjectStatus("zz-new")).toMatchObject({ templates: 1, dataKey: true });
    expect(f.store.deletion.receipts("zz-new")).toEqual([]);
    scheduler.stop();
    f.store.close();
  });
});

describe("ConsentRegistry.hasValidConsent (the sweep's check)", () => {
  it("agrees with validConsent before, at and after expiry, and after an end", async () => {
    const f = await openFixture();
    enroll(f, "x", 10);
    enroll(f, "y", 20);
    f.store.deletion.withdrawConsent({ subjectId: "y", actor: "resident" });
    const t0 = f.clock.now();
    for (const subjectId of ["x", "y", "nobody"]) {
      for (const at of [t0 - DAY, t0, t0 + 10 * DAY - 1, t0 + 10 * DAY, t0 + 30 * DAY]) {
        expect(f.store.consents.hasValidConsent(subjectId, at), `${subjectId} at ${at - t0}`).toBe(f.store.consents.validConsent({ subjectId, at }) !== undefined);
      }
    }
    expect(f.store.consents.hasValidConsent("x", t0)).toBe(true);
    expect(f.store.consents.hasValidConsent("x", t0 + 10 * DAY)).toBe(false);
    f.store.close();
  });
});
