/**
 * Replay protection that survives the clock going back (issue 12, finding 5): the record
 * of a command is pruned once it has expired, so a device whose clock is later set back
 * (by hand, a dead RTC battery, a forged time source) could find a captured command valid
 * again and run it a second time. The device keeps the latest time it saw commands at and
 * acts on no command while its clock is behind it, across restarts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildCommand } from "../../../sdk/operator/command-builder.js";
import { ManualClock } from "../../../sdk/time/clock.js";
import { type Harness, identity, makeHarness } from "./harness.js";

const DAY = 86_400_000;
let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("a captured command replayed after the clock was set back", () => {
  it("is refused (command_clock_behind), after a restart too, and commands run again once the clock is right", async () => {
    dir = mkdtempSync(join(tmpdir(), "fg-replay-"));
    const path = join(dir, "device.db");
    const start = Date.UTC(2026, 5, 1, 9);
    const h: Harness = await makeHarness({ path, clock: new ManualClock(start) });
    const captured = JSON.stringify(await buildCommand({ ...identity, type: "operator.key_remove", body: { keyId: h.auditor.keyId }, key: h.admin, sealTo: h.boxPublicKey, clock: h.clock }));
    expect((await h.processor.process(captured)).status).toBe("ok");
    // Two days on, the command's record is pruned: it expired long ago.
    h.clock.set(start + 2 * DAY);
    expect(h.processor.prune()).toBe(1);
    const accepted = () => h.audit.ofType("command.accepted").length;
    const before = accepted();

    // The clock is set back to when the command was fresh; the device restarts.
    const back = new ManualClock(start + 60_000);
    const again = await makeHarness({ path, clock: back, keys: { deviceKey: h.deviceKey, admin: h.admin, operator: h.operator, auditor: h.auditor }, boxKey: h.boxKey });
    const r = await again.processor.process(captured);
    expect(r.error?.code).toBe("command_clock_behind");
    expect(r.error?.message).toMatch(/behind the last time it handled commands \(2026-06-03T09:00:00.000Z\)/);
    expect(again.audit.ofType("command.accepted")).toHaveLength(before);
    expect(again.audit.ofType("command.rejected").at(-1)).toMatchObject({ actor: h.admin.keyId, details: { code: "command_clock_behind" } });

    // Clock set right: a fresh command runs, and the old one is expired.
    back.set(start + 2 * DAY + 60_000);
    const fresh = await buildCommand({ ...identity, type: "gate.status", body: {}, key: h.admin, sealTo: h.boxPublicKey, clock: back });
    expect((await again.processor.process(JSON.stringify(fresh))).status).toBe("ok");
    expect((await again.processor.process(captured)).error?.code).toBe("command_expired");
  });

  it("tolerates the clock skew it allows: a clock a minute behind still works", async () => {
    const start = Date.UTC(2026, 5, 1, 9);
    const h = await makeHarness({ clock: new ManualClock(start) });
    expect((await h.processor.process(JSON.stringify(await buildCommand({ ...identity, type: "gate.status", body: {}, key: h.admin, sealTo: h.boxPublicKey, clock: h.clock })))).status).toBe("ok");
    h.clock.set(start - 60_000);
    const r = await h.processor.process(JSON.stringify(await buildCommand({ ...identity, type: "gate.status", body: {}, key: h.admin, sealTo: h.boxPublicKey, clock: h.clock })));
    expect(r.status).toBe("ok");
  });
});
