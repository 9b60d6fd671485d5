/** The category of an event: the last topic level it is published under (`events/<category>`). */
export const EVENT_CATEGORIES = ["access", "alarm", "privacy", "integrity", "system", "command"] as const;

export type EventCategory = (typeof EVENT_CATEGORIES)[number];
