/**
 * A weekly time window, the one definition shared by the contract (`person.upsert`
 * `schedule`) and the access policy (sdk/policy/schedule.ts, which evaluates it).
 *
 * - `days`: 0 (Sunday) to 6 (Saturday), as JavaScript's getUTCDay numbers them;
 * - `from`, `to`: local "HH:MM" (`to` may be "24:00"); `from` inclusive, `to` exclusive;
 * - a window whose `to` is not after `from` runs overnight: from `from` on each listed day
 *   to `to` on the next day ("22:00"-"06:00" on Friday covers Friday night and Saturday
 *   morning).
 */
import { type Static, Type } from "@sinclair/typebox";
import { Strict } from "./common-schemas.js";

export const HHMM = "^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$";

export const ScheduleWindowSchema = Strict({
  days: Type.Array(Type.Integer({ minimum: 0, maximum: 6 }), {
    minItems: 1,
    maxItems: 7,
    uniqueItems: true,
    hint: "must be a non-empty list of weekdays 0 (Sunday) to 6 (Saturday), without repeats",
  }),
  from: Type.String({ pattern: HHMM, hint: 'must be "HH:MM" (local time)' }),
  to: Type.String({ pattern: HHMM, hint: 'must be "HH:MM" (local time, up to 24:00)' }),
});

export type ScheduleWindow = Static<typeof ScheduleWindowSchema>;

/** Minutes after local midnight of "HH:MM". */
export function minutesOfDay(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}
