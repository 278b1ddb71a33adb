import type { Admin } from 'kafkajs';
import { z } from 'zod';
import { SeveritySchema } from '../../../libs/contracts/index.js';
import { VigilError } from '../../../libs/errors/index.js';
import { chooseBucketSeconds } from '../../../libs/store/activity-series.js';
import type { Store } from '../../../libs/store/types.js';
import { defineRoute, type Route } from '../route.js';

const DEFAULT_SPAN_MS = 24 * 3600_000;
const MAX_SPAN_MS = 366 * 24 * 3600_000;
const TOP_PRINCIPALS = 10;
const MAX_TIME_MS = Date.parse('2200-01-01T00:00:00Z');
/** Kafka offsets are read at most this often, however many consoles poll the overview. */
export const LAG_CACHE_MS = 5_000;

/** Consumer lag of this process's Kafka groups: messages behind, and that in seconds at the current consume rate. */
export interface IngestLag {
  lagSeconds: number | null;
  lagMessages: number;
}

const OverviewSchema = z.object({
  alertsOverTime: z.array(z.object({ t: z.string(), detector: z.string(), count: z.number().int() })),
  bucketSeconds: z.number().int().positive(),
  topPrincipals: z.array(z.object({ principal: z.string(), alerts: z.number().int(), maxSeverity: SeveritySchema })),
  ingest: z.object({
    eventsPerMinute: z.array(z.object({ t: z.string(), events: z.number() })),
    lagSeconds: z.number().nullable(),
    lagMessages: z.number().int().nullable(),
    lastEventAt: z.string().nullable(),
  }),
  delivery: z.array(
    z.object({
      destinationId: z.string(),
      name: z.string(),
      type: z.string(),
      pending: z.number().int(),
      failed: z.number().int(),
      delivered: z.number().int(),
      oldestPendingSeconds: z.number(),
    }),
  ),
});

const OverviewQuery = z.object({
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
});

/**
 * Reads the committed offsets of `groups` against the topics' end offsets (kafkajs admin). Seconds
 * come from the consume rate between two reads (committed offsets moved / time); with no earlier
 * read, or nothing consumed since, they are null unless nothing is behind (0).
 */
export function createKafkaLagProbe(admin: Pick<Admin, 'connect' | 'fetchOffsets' | 'fetchTopicOffsets'>, groups: readonly { groupId: string; topic: string }[], now: () => number = Date.now): () => Promise<IngestLag> {
  let connected: Promise<void> | undefined;
  let previous: { at: number; committed: number } | undefined;
  return async () => {
    connected ??= admin.connect();
    await connected;
    let behind = 0;
    let committed = 0;
    for (const g of groups) {
      const ends = new Map((await admin.fetchTopicOffsets(g.topic)).map((p) => [p.partition, Number(p.high)]));
      const [offsets] = await admin.fetchOffsets({ groupId: g.groupId, topics: [g.topic] });
      const partitions = offsets?.partitions ?? [];
      // A group that never committed is not deployed (e.g. the detect group when one group does
      // ingest + detect over the raw topic): counting its topic as unread would invent lag.
      if (partitions.every((p) => Number(p.offset) < 0)) continue;
      for (const p of partitions) {
        const end = ends.get(p.partition) ?? 0;
        // -1: the group has committed nothing on this partition yet; all of it is behind.
        const at = Number(p.offset) < 0 ? 0 : Number(p.offset);
        behind += Math.max(0, end - at);
        committed += at;
      }
    }
    const at = now();
    const rate = previous && at > previous.at ? (committed - previous.committed) / ((at - previous.at) / 1000) : 0;
    previous = { at, committed };
    return { lagMessages: behind, lagSeconds: behind === 0 ? 0 : rate > 0 ? behind / rate : null };
  };
}

/** GET /v1/overview: the console's landing page in one call. */
export function overviewRoutes(deps: { store: Store; ingestLag?: () => Promise<IngestLag>; now?: () => number }): Route[] {
  const now = deps.now ?? Date.now;
  let lagCache: { at: number; value: Promise<IngestLag | null> } | undefined;
  const lag = (): Promise<IngestLag | null> => {
    const probe = deps.ingestLag;
    if (!probe) return Promise.resolve(null);
    const at = now();
    if (!lagCache || at - lagCache.at >= LAG_CACHE_MS) {
      // A broker that does not answer must not fail the page: lag is then unknown (null).
      lagCache = { at, value: probe().catch(() => null) };
    }
    return lagCache.value;
  };

  return [
    defineRoute({
      method: 'get',
      path: '/v1/overview',
      operationId: 'getOverview',
      summary: 'Alerts over time by detector, top principals, ingest rate and lag, SIEM delivery health.',
      description:
        'Window [since, until), default the last 24 h (at most 366 days); buckets sized for 60-240 points. alertsOverTime ' +
        "counts alerts by firstSeen; topPrincipals ranks the principals with most alerts active in the window; eventsPerMinute " +
        'averages stored events per minute over each bucket (event time); lagSeconds/lagMessages are the Kafka consumer lag ' +
        '(null without Kafka); delivery gives pending and failed deliveries now, delivered ones in the window.',
      tag: 'overview',
      access: 'viewer',
      query: OverviewQuery,
      responses: { 200: { description: 'The overview.', schema: OverviewSchema } },
      handler: async ({ query }) => {
        const toMs = query.until === undefined ? now() : Date.parse(query.until);
        const fromMs = query.since === undefined ? toMs - DEFAULT_SPAN_MS : Date.parse(query.since);
        // ClickHouse's DateTime64 reaches back to 1900 only: stay in years it and the data can hold.
        if (fromMs < 0 || toMs > MAX_TIME_MS) {
          throw new VigilError('bad_request', 'overview window out of range', { publicMessage: 'since and until must lie between 1970 and 2200' });
        }
        if (!(fromMs < toMs) || toMs - fromMs > MAX_SPAN_MS) {
          throw new VigilError('bad_request', 'bad overview window', { publicMessage: 'since must be before until, at most 366 days apart' });
        }
        const w = { fromMs, toMs, bucketSeconds: chooseBucketSeconds(fromMs, toMs) };
        // One after another: chDB shares one engine with the writers (see libs/store/activity.ts).
        const alertsOverTime = await deps.store.alertsOverTime(w);
        const topPrincipals = await deps.store.topPrincipals(w, TOP_PRINCIPALS);
        const eventsPerMinute = await deps.store.eventsPerMinute(w);
        const lastEventAt = await deps.store.lastEventAt();
        const counts = new Map((await deps.store.deliveryCounts(w)).map((c) => [c.destinationId, c]));
        const destinations = await deps.store.listDestinations();
        const k = await lag();
        const wall = now();
        return {
          status: 200,
          json: {
            alertsOverTime,
            bucketSeconds: w.bucketSeconds,
            topPrincipals,
            ingest: { eventsPerMinute, lagSeconds: k?.lagSeconds ?? null, lagMessages: k?.lagMessages ?? null, lastEventAt },
            delivery: destinations.map((d) => {
              const c = counts.get(d.id);
              const oldest = c?.oldestPendingAt ?? null;
              return {
                destinationId: d.id,
                name: d.name,
                type: d.type,
                pending: c?.pending ?? 0,
                failed: c?.failed ?? 0,
                delivered: c?.delivered ?? 0,
                oldestPendingSeconds: oldest === null ? 0 : Math.max(0, Math.floor((wall - Date.parse(oldest)) / 1000)),
              };
            }),
          },
        };
      },
    }),
  ];
}
