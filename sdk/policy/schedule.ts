/**
 * Weekly schedules: when a person's rights apply. Evaluated in the site's local time,
 * given as a fixed UTC offset (China has no daylight saving; the default is UTC+8).
 * Pure: the time is an input.
 */
import { ConfigError } from "../errors.js";

export interface ScheduleWindow {
  /** ISO weekdays: 1 = Monday ... 7 = Sunday. */
  days: readonly number[];
  /** "HH:MM", inclusive. */
  from: string;
  /** "HH:MM" (up to "24:00"), exclusive; must be after `from` (split overnight windows in two). */
  to: string;
}

export interface WeeklySchedule {
  /** Local time offset from UTC in minutes; 480 = China Standard Time. */
  utcOffsetMinutes: number;
  windows: readonly ScheduleWindow[];
}

export const CHINA_UTC_OFFSET_MINUTES = 480;

function minutesOf(hhmm: string): number | null {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59 || h > 24 || (h === 24 && min !== 0)) return null;
  return h * 60 + min;
}

/** True when `at` falls in one of the windows. A null schedule means "at any time". */
export function scheduleAllows(schedule: WeeklySchedule | null, at: number): boolean {
  if (!schedule) return true;
  const local = new Date(at + schedule.utcOffsetMinutes * 60_000);
  const isoDay = local.getUTCDay() === 0 ? 7 : local.getUTCDay();
  const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
  return schedule.windows.some((w) => w.days.includes(isoDay) && minute >= minutesOf(w.from)! && minute < minutesOf(w.to)!);
}

/** Validates an untrusted schedule; errors read `path: problem`. */
export function parseSchedule(raw: unknown, path: string): WeeklySchedule {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new ConfigError(`${path}: must be an object`, { path });
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (key !== "utcOffsetMinutes" && key !== "windows") throw new ConfigError(`${path}.${key}: unknown key (allowed: utcOffsetMinutes, windows)`, { path });
  }
  const offset = obj["utcOffsetMinutes"] ?? CHINA_UTC_OFFSET_MINUTES;
  if (typeof offset !== "number" || !Number.isInteger(offset) || Math.abs(offset) > 14 * 60) {
    throw new ConfigError(`${path}.utcOffsetMinutes: must be an integer between -840 and 840`, { path });
  }
  const windows = obj["windows"];
  if (!Array.isArray(windows) || windows.length === 0) throw new ConfigError(`${path}.windows: must be a non-empty array`, { path });
  const parsed = windows.map((w, i): ScheduleWindow => {
    const wp = `${path}.windows[${i}]`;
    if (typeof w !== "object" || w === null) throw new ConfigError(`${wp}: must be an object`, { path: wp });
    const { days, from, to } = w as Record<string, unknown>;
    if (!Array.isArray(days) || days.length === 0 || !days.every((d) => Number.isInteger(d) && d >= 1 && d <= 7)) {
      throw new ConfigError(`${wp}.days: must be a non-empty array of ISO weekdays 1 (Monday) to 7 (Sunday)`, { path: wp });
    }
    const f = typeof from === "string" ? minutesOf(from) : null;
    const t = typeof to === "string" ? minutesOf(to) : null;
    if (f === null || f >= 24 * 60) throw new ConfigError(`${wp}.from: must be "HH:MM" before 24:00`, { path: wp });
    if (t === null) throw new ConfigError(`${wp}.to: must be "HH:MM" up to 24:00`, { path: wp });
    if (t <= f) throw new ConfigError(`${wp}.to: must be after from (split overnight windows in two)`, { path: wp });
    return { days: [...(days as number[])], from: from as string, to: to as string };
  });
  return { utcOffsetMinutes: offset, windows: parsed };
}
