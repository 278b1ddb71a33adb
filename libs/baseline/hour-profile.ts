/**
 * Hour-of-day activity profile: 24 counters of events per hour of the day (UTC by default, or a
 * fixed offset), halved whenever the total passes `cap`, so old habits fade and counts stay small.
 * Answers "how usual is this hour for this principal", e.g. to lower the confidence of a volume
 * spike at the hour a service always runs its nightly export.
 */
export interface HourProfile {
  counts: Float32Array;
  total: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export function newHourProfile(): HourProfile {
  return { counts: new Float32Array(24), total: 0 };
}

export function hourOf(ts: number, offsetMinutes = 0): number {
  const local = ts + offsetMinutes * 60_000;
  return Math.floor((((local % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS);
}

export function hourAdd(p: HourProfile, ts: number, opts: { cap?: number; offsetMinutes?: number } = {}): void {
  const h = hourOf(ts, opts.offsetMinutes);
  p.counts[h] = (p.counts[h] as number) + 1;
  p.total++;
  if (p.total > (opts.cap ?? 10_000)) {
    for (let i = 0; i < 24; i++) p.counts[i] = (p.counts[i] as number) / 2;
    p.total /= 2;
  }
}

/** Share of this principal's activity in the hour of `ts` (0..1); 0 when nothing was seen yet. */
export function hourShare(p: HourProfile, ts: number, offsetMinutes = 0): number {
  return p.total === 0 ? 0 : (p.counts[hourOf(ts, offsetMinutes)] as number) / p.total;
}

/**
 * Whether the hour of `ts` (or an adjacent one: schedules drift) carries at least `minShare` of the
 * activity. With a uniform profile each hour holds 1/24 ≈ 0.042.
 */
export function isUsualHour(p: HourProfile, ts: number, minShare = 0.01, offsetMinutes = 0): boolean {
  if (p.total === 0) return false;
  const h = hourOf(ts, offsetMinutes);
  for (const d of [-1, 0, 1]) {
    if ((p.counts[(h + d + 24) % 24] as number) / p.total >= minShare) return true;
  }
  return false;
}

export function encodeHourProfile(p: HourProfile): number[] {
  return [p.total, ...p.counts];
}

export function decodeHourProfile(v: unknown): HourProfile | undefined {
  if (!Array.isArray(v) || v.length !== 25 || !v.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0)) return undefined;
  const nums = v as number[];
  return { total: nums[0] as number, counts: Float32Array.from(nums.slice(1)) };
}

export const HOUR_PROFILE_BYTES = 24 * 4 + 120;
