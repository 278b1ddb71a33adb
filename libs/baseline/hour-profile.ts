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

/**
 * Packed form: slot `o` holds the total and slots `o+1..o+12` the 24 counts, two float32 counts in
 * the bits of each double (hours 2k and 2k+1 of slot `o+1+k`), read and written through a
 * Float64Array/Float32Array pair over one 8-byte scratch buffer. A Float32Array of 24 costs ~240 B
 * of heap plus its backing store on V8; this is 13 slots (104 B) of the profile's packed double
 * array. The counts are float32 exactly as in `HourProfile`, so every answer is the same.
 * NOTE: a double's bits are kept as they are unless they spell NaN (V8 may canonicalize NaNs);
 * that needs a float32 NaN in the upper half, and counts are never NaN (`decodeHourProfile`
 * rejects non-finite values). The bit layout never leaves the process: snapshots use the
 * `encodeHourProfile` form through `unpackHourProfile`.
 */
export const HOUR_SLOTS = 13;

const pair64 = new Float64Array(1);
const pair32 = new Float32Array(pair64.buffer);

function countOf(a: readonly number[], o: number, h: number): number {
  pair64[0] = a[o + 1 + (h >> 1)] as number;
  return pair32[h & 1] as number;
}

export function packHourProfile(a: number[], o: number, p: HourProfile): void {
  a[o] = p.total;
  for (let k = 0; k < 12; k++) {
    pair32[0] = p.counts[2 * k] as number;
    pair32[1] = p.counts[2 * k + 1] as number;
    a[o + 1 + k] = pair64[0] as number;
  }
}

export function unpackHourProfile(a: readonly number[], o: number): HourProfile {
  const counts = new Float32Array(24);
  for (let h = 0; h < 24; h++) counts[h] = countOf(a, o, h);
  return { counts, total: a[o] as number };
}

/** `hourAdd` on a packed profile. */
export function hourAddAt(a: number[], o: number, ts: number, opts: { cap?: number; offsetMinutes?: number } = {}): void {
  const h = hourOf(ts, opts.offsetMinutes);
  const i = o + 1 + (h >> 1);
  pair64[0] = a[i] as number;
  // NOTE: the float32 store rounds, as the Float32Array of `hourAdd` does.
  pair32[h & 1] = (pair32[h & 1] as number) + 1;
  a[i] = pair64[0];
  const total = (a[o] as number) + 1;
  a[o] = total;
  if (total > (opts.cap ?? 10_000)) {
    for (let k = o + 1; k < o + 13; k++) {
      pair64[0] = a[k] as number;
      pair32[0] = (pair32[0] as number) / 2;
      pair32[1] = (pair32[1] as number) / 2;
      a[k] = pair64[0];
    }
    a[o] = total / 2;
  }
}

/** `isUsualHour` of a packed profile. */
export function isUsualHourAt(a: readonly number[], o: number, ts: number, minShare = 0.01, offsetMinutes = 0): boolean {
  const total = a[o] as number;
  if (total === 0) return false;
  const h = hourOf(ts, offsetMinutes);
  for (let d = -1; d <= 1; d++) {
    if (countOf(a, o, (h + d + 24) % 24) / total >= minShare) return true;
  }
  return false;
}
