import { z } from 'zod';
import { AlertSchema } from '../../../libs/contracts/index.js';
import { VigilError } from '../../../libs/errors/index.js';
import { chooseBucketSeconds, type ActivityMetric } from '../../../libs/store/activity-series.js';
import type { Store } from '../../../libs/store/types.js';
import { defineRoute, type Route } from '../route.js';

/** Shown before the alert's first finding and after its last. */
export const LEAD_MS = 2 * 3600_000;
export const TRAIL_MS = 30 * 60_000;

const ActivitySchema = z.object({
  alert: AlertSchema,
  bucketSeconds: z.number().int().positive(),
  series: z.array(z.object({ t: z.string(), events: z.number().int(), distinctObjects: z.number().int(), errors: z.number().int() })),
  baseline: z.array(z.object({ t: z.string(), low: z.number(), high: z.number(), mean: z.number() })),
  metric: z.enum(['events', 'distinctObjects']),
});

/** Object-walking detectors are judged on distinct objects; the others on volume. */
export function metricFor(detector: string): ActivityMetric {
  return detector.startsWith('bola') || detector === 'scraping' ? 'distinctObjects' : 'events';
}

/** GET /v1/alerts/{id}/activity: the evidence chart of the alert page. */
export function alertActivityRoutes(deps: { store: Store }): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/alerts/{id}/activity',
      operationId: 'getAlertActivity',
      summary: "The alerted principal's activity around the alert, per bucket, against its baseline band.",
      description:
        'From firstSeen - 2 h to lastSeen + 30 min (event time), in epoch-aligned buckets sized for 60-240 points. ' +
        'The band of each bucket is mean ± 2 standard deviations (population, floored at 0) of `metric` in the same ' +
        'time-of-day bucket on each of the 7 days before the window, zeros included.',
      tag: 'alerts',
      access: 'analyst',
      params: z.object({ id: z.string().min(1).max(256) }),
      errors: [404],
      responses: { 200: { description: 'Series and band.', schema: ActivitySchema } },
      handler: async ({ params }) => {
        const alert = await deps.store.getAlert(params.id);
        if (!alert) throw new VigilError('not_found', 'alert not found', { publicMessage: 'alert not found' });
        const fromMs = Date.parse(alert.firstSeen) - LEAD_MS;
        const toMs = Date.parse(alert.lastSeen) + TRAIL_MS;
        const metric = metricFor(alert.detector);
        const bucketSeconds = chooseBucketSeconds(fromMs, toMs);
        const a = await deps.store.activitySeries(alert.principal, { fromMs, toMs, bucketSeconds, metric });
        return { status: 200, json: { alert, bucketSeconds, series: a.series, baseline: a.baseline, metric } };
      },
    }),
  ];
}
