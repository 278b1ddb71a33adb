export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Local calendar of the simulated organisation: days start at local midnight. */
export interface Clock {
  start: number;
  days: number;
  /** UTC ms of local midnight of day `d` (0-based). */
  dayStart(d: number): number;
  /** 0 = Sunday, in local time. */
  weekday(d: number): number;
}

export function createClock(start: number, days: number, tzOffsetHours: number): Clock {
  const dayStart = (d: number) => start + d * DAY - tzOffsetHours * HOUR;
  return { start: dayStart(0), days, dayStart, weekday: (d) => new Date(start + d * DAY).getUTCDay() };
}
