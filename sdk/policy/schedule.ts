/**
 * Weekly schedules: when a person's rights apply. Evaluated in the site's local time,
 * given as a fixed UTC offset (China has no daylight saving; the default is UTC+8).
 * The window itself is the contract's one ScheduleWindow (sdk/protocol/schedule-window.ts:
 * days 0 = Sunday to 6, `to` exclusive, overnight when `to` is not after `from`). Pure: the
 * time is an input.
 */
import { type Static, Type } from "@sinclair/typebox";
import { ConfigError } from "../errors.js";
import { type ScheduleWindow, ScheduleWindowSchema, minutesOfDay } from "../protocol/schedule-window.js";
import { compileChecker } from "../schema/schema-check.js";

export const CHINA_UTC_OFFSET_MINUTES = 480;

export const WeeklyScheduleSchema = Type.Object(
  {
    utcOffsetMinutes: Type.Optional(Type.Integer({ minimum: -840, maximum: 840, hint: "must be an integer between -840 and 840" })),
    windows: Type.Array(ScheduleWindowSchema, { minItems: 1, maxItems: 16, hint: "must be a non-empty array of at most 16 windows" }),
  },
  { additionalProperties: false },
);

export interface WeeklySchedule {
  /** Local time offset from UTC in minutes; 480 = China Standard Time. */
  utcOffsetMinutes: number;
  windows: readonly ScheduleWindow[];
}

const DAY = 24 * 60;

function inWindow(w: ScheduleWindow, day: number, minute: number): boolean {
  const from = minutesOfDay(w.from);
  const to = minutesOfDay(w.to);
  if (to > from) return w.days.includes(day) && minute >= from && minute < to;
  // Overnight: from `from` on a listed day until `to` on the next day.
  const yesterday = (day + 6) % 7;
  return (w.days.includes(day) && minute >= from) || (w.days.includes(yesterday) && minute < to);
}

/** True when `at` falls in one of the windows. A null schedule means "at any time". */
export function scheduleAllows(schedule: WeeklySchedule | null, at: number): boolean {
  if (!schedule) return true;
  const local = new Date(at + schedule.utcOffsetMinutes * 60_000);
  const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
  return schedule.windows.some((w) => inWindow(w, local.getUTCDay(), minute % DAY));
}

const check = compileChecker(WeeklyScheduleSchema, {
  error: (message, d) => new ConfigError(message, { path: d.path }),
  unknownProperty: (allowed) => `unknown key (allowed: ${allowed.join(", ")})`,
  rules: [
    (s, path, fail) =>
      s.windows.forEach((w, i) => {
        if (w.from === "24:00") fail(`${path}.windows[${i}].from`, 'must be "HH:MM" before 24:00');
      }),
  ],
});

/** Validates an untrusted schedule; errors read `path: problem`. */
export function parseSchedule(raw: unknown, path: string): WeeklySchedule {
  const s: Static<typeof WeeklyScheduleSchema> = check(raw, path);
  return { utcOffsetMinutes: s.utcOffsetMinutes ?? CHINA_UTC_OFFSET_MINUTES, windows: s.windows.map((w) => ({ days: [...w.days], from: w.from, to: w.to })) };
}
