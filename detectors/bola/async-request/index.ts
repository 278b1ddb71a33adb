import type { Finding, NormalizedEvent } from '../../../libs/contracts/index.js';
import type { CappedSets, Persistent } from '../../../libs/baseline/index.js';
import type { Detector } from '../../framework.js';
import { findingAbout, served } from '../../framework.js';
import { forgetOwners, newState, remember, restoreRows, snapshotRows, type AsyncRequestState, type Job, type Tally } from './state.js';

export type { AsyncRequestState } from './state.js';

export const NAME = 'bola/async-request';
export const OWASP = 'API1:2023';

export interface AsyncRequestConfig {
  /** Requests of a type started before others' use of them is judged (how often that is benign is learned first). */
  minRequests: number;
  /** A type is shared (others' use is normal) when more than this share of its requests were used by another principal. */
  maxShareRate: number;
  /** Requests remembered; the least recently used are forgotten first. */
  jobCap: number;
  /** Owners whose requests are remembered, and types tallied. */
  ownerCap: number;
  tallyCap: number;
}

export const DEFAULTS: AsyncRequestConfig = { minRequests: 20, maxShareRate: 0.05, jobCap: 100_000, ownerCap: 50_000, tallyCap: 1_000 };

/**
 * BOLA on asynchronous requests (OWASP API1:2023): a principal uses the status URL of a request
 * another principal started. A 202 Accepted hands its caller a URL to poll (FHIR bulk `$export` and
 * `Prefer: respond-async` in Content-Location; report and job APIs in Location): the result behind
 * it is the caller's (the Bulk Data spec requires the server to serve it to that client only),
 * whatever the caller's scopes, so backend services with `system/` scopes, which bola/foreign-object
 * does not judge, are judged here. Whether a type of request is shared anyway (a scheduler starts,
 * a worker polls) is learned per type before anything is reported.
 */
export function createAsyncRequestDetector(
  cfg: AsyncRequestConfig = DEFAULTS,
): Detector<AsyncRequestState> & Required<Persistent<AsyncRequestState>> & CappedSets<AsyncRequestState> {
  return {
    name: NAME,
    owasp: OWASP,
    createState: () => newState(cfg.jobCap, cfg.ownerCap, cfg.tallyCap),
    detect(event, state) {
      const p = event.principal;
      // An address is no owner: many clients share one behind NAT or a proxy.
      if (p.kind === 'ip' || event.objects.length === 0) return [];
      if (event.status === 202) started(event, state);
      // NOTE: a 202 is also how the API answers a poll still running and a DELETE that cancels.
      if (!served(event.status)) return [];
      for (const obj of event.objects) {
        if (obj.created) continue;
        const job = state.jobs.get(obj.type, obj.id);
        if (job === undefined || job.owner === p.id) continue;
        const tally = state.tallies.get(obj.type);
        if (tally === undefined) continue;
        tally.lastTs = event.ts;
        const rate = tally.requests === 0 ? 0 : tally.shared / tally.requests;
        if (tally.requests >= cfg.minRequests && rate <= cfg.maxShareRate) return [finding(event, obj.type, obj.id, job, tally, rate)];
        // Not judged yet, or shared on this API: evidence of how this type is used.
        if (!job.shared) {
          job.shared = true;
          tally.shared++;
        }
      }
      return [];
    },
    // Per owner its requests (so they move with it on a Kafka handoff); per type its tally.
    snapshot: (state, version, select) => snapshotRows(NAME, state, version, select?.principals),
    restore: (state, rows) => restoreRows(NAME, state, rows),
    forget: forgetOwners,
    // The requests remembered per owner are the capped set (PER_OWNER_CAP).
    clearCapped: (state) => {
      state.jobs.clear();
      state.owners.clear();
    },
  };
}

/** A 202's status URL (libs/objects: `created` on a 202) becomes the caller's request. */
function started(event: NormalizedEvent, state: AsyncRequestState): void {
  for (const obj of event.objects) {
    if (!obj.created) continue;
    let tally = state.tallies.get(obj.type);
    if (tally === undefined) state.tallies.set(obj.type, (tally = { type: obj.type, requests: 0, shared: 0, lastTs: event.ts }));
    // NOTE: the same URL handed out again (a retried kick-off answered from a cache) is one request.
    const prior = state.jobs.peek(obj.type, obj.id);
    if (prior === undefined || prior.owner !== event.principal.id) tally.requests++;
    tally.lastTs = event.ts;
    remember(state, obj.type, obj.id, { owner: event.principal.id, ts: event.ts, route: event.route, shared: false });
  }
}

function finding(event: NormalizedEvent, type: string, id: string, job: Job, tally: Tally, rate: number): Finding {
  const who = event.principal.id;
  const reading = event.method === 'GET' || event.method === 'HEAD';
  const verb = reading ? 'read' : event.method === 'DELETE' ? 'cancelled' : `sent ${event.method} to`;
  // Confidence: the protocol makes the URL its caller's; a type others sometimes share is less sure.
  const confidence = Math.round((0.9 - 2 * rate) * 100) / 100;
  return {
    detector: NAME,
    owasp: OWASP,
    severity: reading ? 'high' : 'critical',
    ...findingAbout(event, who),
    summary:
      `${who} ${verb} the ${type} of an asynchronous request that ${job.owner} started ` +
      `(${job.route} at ${new Date(job.ts).toISOString()}) and the API answered ${event.status}`,
    confidence,
    evidence: {
      pattern: 'foreign_async_request',
      confidence,
      observed: { type, id, method: event.method, status: event.status },
      baseline: { startedBy: job.owner, startedAt: new Date(job.ts).toISOString(), startedOn: job.route, typeRequests: tally.requests, typeSharedRate: Math.round(rate * 1000) / 1000 },
      window: 'single request',
    },
  };
}
