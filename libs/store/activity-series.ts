import type { DbReader } from './db-reader.js';
import { toChTime, toNumber } from './sql.js';

/**
 * A principal's activity per time bucket and its baseline band, for the alert page's evidence
 * chart (GET /v1/alerts/{id}/activity). Reads events only (FINAL, so unmerged replays do not count
 * twice); every value is a bound parameter.
 */

export interface ActivityPoint {
  t: string;
  events: number;
  distinctObjects: number;
  errors: number;
}

export interface BandPoint {
  t: string;
  low: number;
  high: number;
  mean: number;
}

export type ActivityMetric = 'events' | 'distinctObjects';

export interface ActivitySeries {
  bucketSeconds: number;
  series: ActivityPoint[];
  baseline: BandPoint[];
}

export interface ActivitySeriesStore {
  /**
   * Buckets of `bucketSeconds` (aligned to the epoch) over [fromMs, toMs), and for each the band of
   * `metric` from the same time-of-day bucket on each of the 7 days before fromMs (`baselineBand`).
   */
  activitySeries(principal: string, window: { fromMs: number; toMs: number; bucketSeconds: number; metric: ActivityMetric }): Promise<ActivitySeries>;
}

/** Bucket sizes tried in order; each at most 2.5 times the previous, so the chosen one gives >= 96 points. */
const BUCKET_LADDER = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400];
const MAX_POINTS = 240;
const DAY_S = 86_400;
/** Days of history behind the band. */
export const BASELINE_DAYS = 7;
/** Band half-width in standard deviations. */
export const BAND_SDS = 2;

/** The smallest bucket that keeps [fromMs, toMs) within 240 points (beyond the ladder: whole days). */
export function chooseBucketSeconds(fromMs: number, toMs: number): number {
  const spanS = Math.max(1, (toMs - fromMs) / 1000);
  for (const b of BUCKET_LADDER) if (Math.ceil(spanS / b) + 1 <= MAX_POINTS) return b;
  return Math.ceil(spanS / DAY_S / (MAX_POINTS - 1)) * DAY_S;
}

/**
 * mean ± 2 population standard deviations of `samples` (zeros included: a quiet hour is part of the
 * baseline), low floored at 0. No samples: a zero band.
 */
export function baselineBand(samples: readonly number[]): { low: number; high: number; mean: number } {
  if (samples.length === 0) return { low: 0, high: 0, mean: 0 };
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  const sd = Math.sqrt(samples.reduce((a, b) => a + (b - mean) ** 2, 0) / samples.length);
  return { low: Math.max(0, mean - BAND_SDS * sd), high: mean + BAND_SDS * sd, mean };
}

interface BucketRow {
  t_ms: number | string;
  events: number | string;
  objects: number | string;
  errors: number | string;
}

const BUCKETS_SQL = `SELECT toUnixTimestamp64Milli(toDateTime64(toStartOfInterval(ts, toIntervalSecond({bucket:UInt32})), 3, 'UTC')) AS t_ms,
    count() AS events,
    uniqExactArray(arrayMap((t, i) -> concat(t, '/', i), object_types, object_ids)) AS objects,
    countIf(status >= 400) AS errors
  FROM {db}.events FINAL
  WHERE principal = {principal:String} AND ts >= {from:DateTime64(3, 'UTC')} AND ts < {to:DateTime64(3, 'UTC')}
  GROUP BY t_ms`;

export function createActivitySeriesStore(reader: DbReader): ActivitySeriesStore {
  async function buckets(principal: string, fromMs: number, toMs: number, bucketS: number): Promise<Map<number, ActivityPoint>> {
    const rows = await reader.query<BucketRow>(BUCKETS_SQL, { principal, bucket: bucketS, from: toChTime(fromMs), to: toChTime(toMs) });
    return new Map(
      rows.map((r) => {
        const t = toNumber(r.t_ms);
        return [t, { t: new Date(t).toISOString(), events: toNumber(r.events), distinctObjects: toNumber(r.objects), errors: toNumber(r.errors) }];
      }),
    );
  }

  return {
    async activitySeries(principal, w) {
      const b = w.bucketSeconds * 1000;
      const from = Math.floor(w.fromMs / b) * b;
      const to = Math.ceil(w.toMs / b) * b;
      const historyFrom = from - BASELINE_DAYS * DAY_S * 1000;
      const [current, history] = [await buckets(principal, from, to, w.bucketSeconds), await buckets(principal, historyFrom, from, w.bucketSeconds)];
      const series: ActivityPoint[] = [];
      const baseline: BandPoint[] = [];
      const value = (p: ActivityPoint | undefined): number => (p === undefined ? 0 : p[w.metric]);
      for (let t = from; t < to; t += b) {
        const iso = new Date(t).toISOString();
        series.push(current.get(t) ?? { t: iso, events: 0, distinctObjects: 0, errors: 0 });
        // Same time of day on each earlier day (sub-day buckets), else every earlier bucket.
        const samples: number[] = [];
        if (w.bucketSeconds < DAY_S) {
          for (let d = 1; d <= BASELINE_DAYS; d++) {
            const s = t - d * DAY_S * 1000;
            if (s >= historyFrom && s < from) samples.push(value(history.get(s)));
          }
          // A bucket more than a day into the window has fewer days of history before `from`.
        } else {
          for (let s = Math.ceil(historyFrom / b) * b; s < from; s += b) samples.push(value(history.get(s)));
        }
        baseline.push({ t: iso, ...baselineBand(samples) });
      }
      return { bucketSeconds: w.bucketSeconds, series, baseline };
    },
  };
}
