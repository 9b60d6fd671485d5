/**
 * Clock sanity. Consents expire, commands carry a validity window and receipts a time:
 * a terminal whose clock was never set (no RTC battery, no network time) or went back
 * refuses valid commands, accepts stale ones and dates its proofs wrongly.
 *
 * Two facts the terminal can check on its own: the clock is not before the year this
 * release was made, and not behind the newest time its database recorded.
 */
import { type DoctorCheck, fail, pass } from "./check.js";
import type { TerminalProbe } from "./terminal-probe.js";

/** 1 January of the year this release was made: a clock before it was never set. Bump at release. */
export const RELEASED_NOT_BEFORE = Date.UTC(2026, 0, 1);

/** How far behind the newest recorded time the clock may be (writes a moment ago, coarse RTCs). */
export const CLOCK_TOLERANCE_MS = 5_000;

const FIX = "set the clock and keep it set: timedatectl set-ntp true (the terminal must reach an NTP server), then check with timedatectl";

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} days`;
}

export function clockCheck(probe: TerminalProbe, now: () => number): DoctorCheck {
  return {
    name: "clock",
    run() {
      const t = now();
      const at = new Date(t).toISOString();
      if (t < RELEASED_NOT_BEFORE) {
        return fail(`the clock says ${at}, before this software was made (${new Date(RELEASED_NOT_BEFORE).getUTCFullYear()}): it was never set`, FIX);
      }
      const newest = probe.databaseExists() && probe.openDatabase().value ? probe.newestRecordedAt() : undefined;
      if (newest !== undefined && t < newest - CLOCK_TOLERANCE_MS) {
        return fail(`the clock says ${at}, ${duration(newest - t)} behind the newest time the database recorded (${new Date(newest).toISOString()}): it went back`, FIX);
      }
      return pass(`${at}${newest !== undefined ? `, not behind the newest recorded time (${new Date(newest).toISOString()})` : ""}`);
    },
  };
}
