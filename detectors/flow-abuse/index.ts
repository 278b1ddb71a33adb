import type { Finding, NormalizedEvent, ObjectRef } from '../../libs/contracts/index.js';
import { createBoundedCache, type BoundedCache } from '../../libs/cache/index.js';
import { cohortKey } from '../../libs/baseline/index.js';
import type { Detector } from '../framework.js';
import { makeFinding, round2 } from '../credential-stuffing/finding.js';
import { DEFAULTS, type FlowAbuseConfig } from './config.js';
import { closeWindow, newRepeatPopulation, recordRepeat, REPEAT_CAP, repeatLimit, type Repeat, type RepeatPopulation } from './repeats.js';
import { learnArrival, learnTransition, newFromStats, newTargetStats, rareTransition, skippedSteps, type FromStats, type TargetStats } from './transitions.js';

export { DEFAULTS, FlowAbuseConfigSchema, type FlowAbuseConfig } from './config.js';

export const NAME = 'flow-abuse';
export const OWASP = 'API6:2023';

export type Pattern = 'repeated_operation' | 'unseen_transition' | 'rare_transition' | 'skipped_step';

interface Session {
  lastTs: number;
  /** The previous step (`METHOD route`) of the session. */
  last: string | undefined;
  /** Distinct steps of the session so far, oldest first (capped). */
  visited: string[];
}

interface PrincipalFlow {
  session: Session;
  repeats: Map<string, Repeat>;
  /** Start of the principal's current tumbling repeat window; -1 before the first write. */
  bucketStart: number;
}

export interface FlowAbuseState {
  principals: BoundedCache<PrincipalFlow>;
  /** Population transitions, by source step. */
  from: BoundedCache<FromStats>;
  /** Population arrivals at state-changing steps, with the earlier steps of their sessions. */
  targets: BoundedCache<TargetStats>;
  /** Repeats per object-window, by `cohort|step` and `*|step`. */
  repeatPops: BoundedCache<RepeatPopulation>;
}

const PRINCIPAL_CAP = 200_000;
const STEP_CAP = 20_000;
const VISITED_CAP = 32;
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/**
 * NOTE: an IP or a gateway consumer stands for many people whose steps interleave, so their
 * "sessions" are not flows: they teach transitions but are never judged by them (repeats still are).
 */
const SHARED_KINDS = new Set(['ip', 'consumer']);

/**
 * Business-flow abuse (OWASP API6:2023): the same state-changing operation repeated on one object
 * far more than the cohort does (refills, re-submissions); state-changing steps reached by a
 * transition the population (almost) never makes, or without a prior step the population always
 * takes first. Transitions are followed per principal session, on event time.
 */
export function createFlowAbuseDetector(cfg: FlowAbuseConfig = DEFAULTS): Detector<FlowAbuseState> {
  const repeatMs = cfg.repeatWindowSeconds * 1000;
  const gapMs = cfg.sessionGapSeconds * 1000;
  return {
    name: NAME,
    owasp: OWASP,
    createState: () => ({
      principals: createBoundedCache<PrincipalFlow>(PRINCIPAL_CAP),
      from: createBoundedCache<FromStats>(STEP_CAP),
      targets: createBoundedCache<TargetStats>(STEP_CAP),
      repeatPops: createBoundedCache<RepeatPopulation>(STEP_CAP),
    }),
    detect(event, state) {
      // A step that failed (4xx/5xx, or no answer) did not happen: it is neither a step nor abuse.
      if (event.status < 100 || event.status >= 400) return [];
      const who = event.principal.id;
      const flow = state.principals.getOrCreate(who, newFlow);
      const step = `${event.method} ${event.route}`;
      const writes = STATE_CHANGING.has(event.method) && event.status < 300;
      const out: Finding[] = [];
      if (writes) repeats(event, state, flow, step, out);

      const s = flow.session;
      if (event.ts - s.lastTs > gapMs) {
        s.last = undefined;
        s.visited = [];
      }
      s.lastTs = Math.max(s.lastTs, event.ts);
      if (step === s.last) return out;
      const flagged = writes && !SHARED_KINDS.has(event.principal.kind) ? transitions(event, state, s, step, out) : false;
      // A flagged step is not learned from, so repeated abuse does not become a normal flow.
      if (!flagged) {
        if (s.last !== undefined) learnTransition(state.from.getOrCreate(s.last, newFromStats), step, who);
        if (writes) learnArrival(state.targets.getOrCreate(step, newTargetStats), s.visited, who);
      }
      if (!s.visited.includes(step)) {
        if (s.visited.length >= VISITED_CAP) s.visited.shift();
        s.visited.push(step);
      }
      s.last = step;
      return out;
    },
  };

  function repeats(event: NormalizedEvent, state: FlowAbuseState, flow: PrincipalFlow, step: string, out: Finding[]): void {
    const bucket = Math.floor(event.ts / repeatMs) * repeatMs;
    if (bucket > flow.bucketStart) {
      if (flow.bucketStart >= 0) closeWindow(flow.repeats, event.principal.id, event.ts, repeatMs, (r) => pops(state, r.cohort, r.step));
      flow.bucketStart = bucket;
    }
    const obj = targetObject(event.objects);
    if (obj === undefined) return;
    const key = `${step} ${obj.type}/${obj.id}`;
    let r = flow.repeats.get(key);
    if (r === undefined) {
      if (flow.repeats.size >= REPEAT_CAP) return;
      r = { step, cohort: cohortKey(event.principal), times: [], peak: 0, alerted: false };
      flow.repeats.set(key, r);
    }
    const n = recordRepeat(r, event.ts, repeatMs);
    const [cohort, everyone] = pops(state, r.cohort, step) as [RepeatPopulation, RepeatPopulation];
    const limit = repeatLimit(cohort, everyone, cfg);
    if (n < limit.threshold) return;
    r.alerted = true;
    const twice = n >= 2 * limit.threshold;
    out.push(
      makeFinding(NAME, OWASP, event, {
        severity: twice ? 'high' : 'medium',
        summary: `${event.principal.id} repeated ${step} on one ${obj.type} ${n} times within ${cfg.repeatWindowSeconds}s (threshold ${limit.threshold})`,
        evidence: {
          pattern: 'repeated_operation',
          confidence: round2((limit.basis === 'learning_floor' ? 0.6 : 0.7) + (twice ? 0.15 : 0)),
          repeats: n,
          threshold: limit.threshold,
          thresholdBasis: limit.basis,
          populationQuantile: limit.quantile,
          populationSamples: limit.samples,
          objectType: obj.type,
          objectId: obj.id,
          windowSeconds: cfg.repeatWindowSeconds,
        },
      }),
    );
  }

  function pops(state: FlowAbuseState, cohort: string, step: string): RepeatPopulation[] {
    return [state.repeatPops.getOrCreate(`${cohort}|${step}`, newRepeatPopulation), state.repeatPops.getOrCreate(`*|${step}`, newRepeatPopulation)];
  }

  /** Judges a state-changing step against the population's flows; true when it raised a finding. */
  function transitions(event: NormalizedEvent, state: FlowAbuseState, s: Session, step: string, out: Finding[]): boolean {
    const who = event.principal.id;
    const skipped = skippedSteps(state.targets.get(step), s.visited, cfg);
    if (skipped.length > 0) {
      const first = skipped[0] as (typeof skipped)[number];
      out.push(
        makeFinding(NAME, OWASP, event, {
          severity: 'medium',
          summary: `${who} did ${step} without ${first.step} first, which preceded ${Math.round(first.share * 100)}% of ${first.arrivals} such steps in the population`,
          evidence: {
            pattern: 'skipped_step',
            confidence: round2(Math.min(0.9, 0.5 + first.share * 0.35 + (first.arrivals >= 10 * cfg.minArrivals ? 0.05 : 0))),
            step,
            skipped: skipped.slice(0, 3).map((r) => r.step),
            share: round2(first.share),
            arrivals: first.arrivals,
            requiredShare: cfg.requiredShare,
            sessionSteps: s.visited.length,
          },
        }),
      );
      return true;
    }
    if (s.last === undefined) return false;
    const rare = rareTransition(state.from.get(s.last), step, cfg);
    if (rare === undefined) return false;
    const unseen = rare.count === 0;
    out.push(
      makeFinding(NAME, OWASP, event, {
        severity: unseen ? 'medium' : 'low',
        summary: unseen
          ? `${who} went from ${s.last} to ${step}, a transition the population never made in ${rare.total} transitions from there`
          : `${who} went from ${s.last} to ${step}, a transition the population made ${rare.count} times in ${rare.total}`,
        evidence: {
          pattern: unseen ? 'unseen_transition' : 'rare_transition',
          confidence: unseen ? 0.6 : 0.4,
          from: s.last,
          to: step,
          transitionCount: rare.count,
          fromTotal: rare.total,
          upperShare: Math.round(rare.upperShare * 10_000) / 10_000,
          rareShare: cfg.rareShare,
        },
      }),
    );
    return true;
  }
}

/** The object a write acts on: an existing object named in the path, else in the query. */
function targetObject(objects: readonly ObjectRef[]): ObjectRef | undefined {
  let fallback: ObjectRef | undefined;
  for (const o of objects) {
    if (o.created) continue;
    if (o.via === 'path') return o;
    fallback ??= o;
  }
  return fallback;
}

function newFlow(): PrincipalFlow {
  return { session: { lastTs: Number.NEGATIVE_INFINITY, last: undefined, visited: [] }, repeats: new Map(), bucketStart: -1 };
}
