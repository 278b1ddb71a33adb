import type { Finding, NormalizedEvent, ObjectRef } from '../../libs/contracts/index.js';
import { createRouteMemo, type CappedSets, type Persistent } from '../../libs/baseline/index.js';
import { createPairKey } from '../../libs/baseline/route-memo.js';
import type { Detector } from '../framework.js';
import { createTraitsMemo, type TraitsDeps } from '../principal-traits.js';
import { isAuthRouteByName } from '../credential-stuffing/auth-routes.js';
import { makeFinding, round2 } from '../credential-stuffing/finding.js';
import { DEFAULTS, type FlowAbuseConfig } from './config.js';
import { judgeStep } from './judge.js';
import { pushClose, takeDue } from './close-queue.js';
import { closeWindow, newRepeatPopulation, noteOngoing, ongoingKey, peersThreshold, recordRepeat, REPEAT_CAP, repeatLimit, type Repeat, type RepeatPopulation, type TargetKind } from './repeats.js';
import { rememberCreated, undoneBy } from './undo.js';
import { countSession, foldSession, newCohortDays, newFlow, ownRareRate, resetSession, sessionsPerDay, VISITED_CAP, type PrincipalFlow, type Session } from './session.js';
import { clearCappedState, forgetPrincipals, newFlowAbuseState, restoreState, snapshotState, type FlowAbuseState } from './state.js';
import { learnArrival, learnTransition, newFromStats, newTargetStats } from './transitions.js';

export { DEFAULTS, FlowAbuseConfigSchema, type FlowAbuseConfig } from './config.js';
export { POPULATION_ROWS, type FlowAbuseState } from './state.js';

export const NAME = 'flow-abuse';
export const OWASP = 'API6:2023';

export type Pattern = 'repeated_operation' | 'repeated_undo' | 'unseen_transition' | 'rare_transition' | 'skipped_step';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/**
 * NOTE: an IP or a gateway consumer stands for many people whose steps interleave, so their
 * "sessions" are not flows: they teach transitions but are never judged by them (repeats still are).
 */
const SHARED_KINDS = new Set(['ip', 'consumer']);
/** The population of everyone's repeats on any route, per kind of target (`*|* kind`). */
const EVERYONE_KEYS: Readonly<Record<TargetKind, string>> = { object: '*|* object', collection: '*|* collection' };

/**
 * Business-flow abuse (OWASP API6:2023): the same state-changing operation repeated on one object
 * (or one collection: bookings, submissions) far more than the cohort does; sessions whose
 * state-changing steps together are improbable for the principal's cohort: transitions it (almost)
 * never makes, prior steps it always takes first. Followed per principal session, on event time.
 */
export function createFlowAbuseDetector(cfg: FlowAbuseConfig = DEFAULTS, deps: TraitsDeps = {}): Detector<FlowAbuseState> & Persistent<FlowAbuseState> & CappedSets<FlowAbuseState> {
  // The cohort key, from the memo services/registry.ts shares between detectors (one lookup per event).
  const traitsOf = deps.traits ?? createTraitsMemo();
  // One string per (method, route): a key built per event has its hash computed on every lookup.
  const stepOf = createRouteMemo((method, route) => `${method} ${route}`);
  // `cohort|step` keys of the population caches, one string per pair (not one per lookup).
  const keyOf = createPairKey();
  const repeatMs = cfg.repeatWindowSeconds * 1000;
  const gapMs = cfg.sessionGapSeconds * 1000;
  return {
    name: NAME,
    owasp: OWASP,
    createState: newFlowAbuseState,
    // Principal rows (session, repeats, creations, queued window) and four population rows (state.ts).
    snapshot: (state, version, select) => snapshotState(NAME, state, version, repeatMs, select),
    restore: (state, rows) => restoreState(NAME, state, rows, repeatMs),
    forget: forgetPrincipals,
    clearCapped: clearCappedState,
    detect(event, state, watermark) {
      // NOTE: other principals' windows close on the watermark, not on this event's time: a Kafka
      // partition consumed ahead would close windows of principals still bursting in a lagging one,
      // and their partial counts would teach the populations a low limit (docs/performance.md).
      closeDue(state, watermark ?? event.ts);
      // A step that failed (4xx/5xx, or no answer) did not happen: it is neither a step nor abuse.
      if (event.status < 100 || event.status >= 400) return [];
      const who = event.principal.id;
      const cohort = traitsOf(event.principal).cohort;
      const flow = state.principals.getOrCreate(who, newFlow);
      const step = stepOf(event.method, event.route);
      const writes = STATE_CHANGING.has(event.method) && event.status < 300;
      const out: Finding[] = [];
      if (writes) repeats(event, state, flow, step, out);

      // The session's fields live on the principal's flow object (one object per principal).
      const s: Session = flow;
      if (event.ts - s.lastTs > gapMs) {
        foldSession(flow);
        resetSession(s);
        countSession(state.cohortDays.getOrCreate(cohort, newCohortDays), event.ts);
      }
      s.lastTs = Math.max(s.lastTs, event.ts);
      if (step === s.last) return out;
      const firstArrival = !s.visited.includes(step);
      // Built once per event: each is looked up to judge and again to learn.
      const fromKey = s.last === undefined ? undefined : keyOf(cohort, s.last);
      const targetKey = writes ? keyOf(cohort, step) : undefined;
      if (writes && !SHARED_KINDS.has(event.principal.kind)) {
        const ctx = {
          event,
          step,
          session: s,
          from: fromKey === undefined ? undefined : state.from.get(fromKey),
          target: state.targets.get(targetKey as string),
          firstArrival,
          ownRate: ownRareRate(flow),
          cohortSessions: sessionsPerDay(state.cohortDays.getOrCreate(cohort, newCohortDays)),
        };
        const found = judgeStep(ctx, cfg, NAME, OWASP);
        if (found) out.push(found);
      }
      // An alerted session is not learned from, so repeated abuse does not become a normal flow.
      if (!s.alerted) {
        if (fromKey !== undefined) learnTransition(state.from.getOrCreate(fromKey, newFromStats), step, who);
        if (targetKey !== undefined && firstArrival) learnArrival(state.targets.getOrCreate(targetKey, newTargetStats), s.visited, who);
      }
      if (firstArrival) {
        if (s.visited.length >= VISITED_CAP) s.visited.shift();
        s.visited.push(step);
      }
      s.last = step;
      return out;
    },
  };

  /** Closes the repeat windows that ended by `ts`, so quiet principals teach the populations too. */
  function closeDue(state: FlowAbuseState, ts: number): void {
    for (const { who, end } of takeDue(state.closing, ts)) {
      const flow = state.principals.get(who);
      if (flow === undefined || flow.bucketStart + repeatMs !== end) continue;
      if (flow.repeats !== undefined) closeWindow(flow.repeats, who, end, repeatMs, (r) => pops(state, r), cfg);
      // Runs still going are closed one window later, so a principal who stops writing still teaches.
      if (flow.repeats === undefined || flow.repeats.size === 0) {
        flow.repeats = undefined;
        flow.bucketStart = -1;
      } else {
        flow.bucketStart = end;
        pushClose(state.closing, who, end + repeatMs);
      }
    }
  }

  function repeats(event: NormalizedEvent, state: FlowAbuseState, flow: PrincipalFlow, step: string, out: Finding[]): void {
    const bucket = Math.floor(event.ts / repeatMs) * repeatMs;
    if (bucket > flow.bucketStart) {
      if (flow.bucketStart >= 0 && flow.repeats !== undefined) {
        closeWindow(flow.repeats, event.principal.id, event.ts, repeatMs, (r) => pops(state, r), cfg);
        if (flow.repeats.size === 0) flow.repeats = undefined;
      }
      flow.bucketStart = bucket;
      pushClose(state.closing, event.principal.id, bucket + repeatMs);
    }
    const undone = flow.created === undefined ? undefined : undoneBy(flow.created, event, repeatMs);
    if (flow.created?.size === 0) flow.created = undefined;
    if (undone !== undefined) {
      const undo = `undo ${undone.step}`;
      const f = countRepeat(event, state, flow, undo, undo, { type: createdType(event), id: undefined }, 'object');
      if (f) out.push(f);
    }
    rememberCreated(flow, event, step, repeatMs);
    const target = targetOf(event);
    if (target === undefined) return;
    const f = countRepeat(event, state, flow, `${step} ${target.type}/${target.id ?? '*'}`, step, target, target.id === undefined ? 'collection' : 'object');
    if (f) out.push(f);
  }

  /** Counts one repeat of `step` on `target` (`kind`) and judges it against the populations' limit. */
  function countRepeat(
    event: NormalizedEvent,
    state: FlowAbuseState,
    flow: PrincipalFlow,
    key: string,
    step: string,
    target: { type: string; id: string | undefined },
    kind: TargetKind,
  ): Finding | undefined {
    const repeats = (flow.repeats ??= new Map<string, Repeat>());
    let r = repeats.get(key);
    if (r === undefined) {
      if (repeats.size >= REPEAT_CAP) return undefined;
      r = { step, cohort: traitsOf(event.principal).cohort, kind, times: [], peak: 0, alerted: false };
      repeats.set(key, r);
    }
    const n = recordRepeat(r, event.ts, repeatMs);
    const all = pops(state, r);
    const [cohort, everyone, cohortAll, everyoneAll] = all as [RepeatPopulation, RepeatPopulation, RepeatPopulation, RepeatPopulation];
    const own = kind === 'collection' ? ongoingKey(event.principal.id, key) : undefined;
    if (own !== undefined) for (const pop of all) noteOngoing(pop, own, r.peak, event.ts, repeatMs);
    let limit = repeatLimit(cohort, everyone, cohortAll, everyoneAll, cfg);
    // Creating records one after another (POST to a collection) is how clinical data is written;
    // only a learned population can say how many is too many. Repeats on one existing object, and
    // creations undone again, need no such proof, so only they are judged against the bare learning floor.
    if (kind === 'collection' && limit.basis === 'learning_floor') return undefined;
    if (n < limit.threshold) return undefined;
    let peers = 0;
    if (own !== undefined && limit.from !== undefined) {
      // Peers' runs still going count too: ended runs alone are the short ones while long ones go on.
      const p = peersThreshold(limit.from, limit, own, event.ts, repeatMs, cfg);
      peers = p.peers;
      limit = { ...limit, threshold: p.threshold };
      if (n < limit.threshold) return undefined;
    }
    r.alerted = true;
    const twice = n >= 2 * limit.threshold;
    const isUndo = step.startsWith('undo ');
    const what = isUndo
      ? `created and deleted again ${n} ${target.type} (${step.slice(5)})`
      : `repeated ${step}${target.id === undefined ? '' : ` on one ${target.type}`} ${n} times`;
    // One object (and undone creations): the run's total; a collection: the sliding count (repeats.ts).
    const span = kind === 'object' ? `in a row, each within ${cfg.repeatWindowSeconds}s of the previous` : `within ${cfg.repeatWindowSeconds}s`;
    return makeFinding(NAME, OWASP, event, {
      severity: twice ? 'high' : 'medium',
      summary: `${event.principal.id} ${what} ${span} (threshold ${limit.threshold})`,
      evidence: {
        pattern: isUndo ? 'repeated_undo' : 'repeated_operation',
        confidence: round2((limit.basis === 'learning_floor' ? 0.6 : 0.7) + (twice ? 0.15 : 0)),
        repeats: n,
        threshold: limit.threshold,
        thresholdBasis: limit.basis,
        populationQuantile: limit.quantile,
        populationSamples: limit.samples,
        ...(own === undefined ? {} : { ongoingPeerRuns: peers }),
        objectType: target.type,
        ...(target.id === undefined ? {} : { objectId: target.id }),
        windowSeconds: cfg.repeatWindowSeconds,
      },
    });
  }

  /**
   * The populations a repeat teaches and is judged by: its cohort on the route, everyone on the
   * route, its cohort on any route, everyone on any route for the same kind of target.
   */
  function pops(state: FlowAbuseState, r: Repeat): RepeatPopulation[] {
    const p = state.repeatPops;
    return [
      p.getOrCreate(keyOf(r.cohort, r.step), newRepeatPopulation),
      p.getOrCreate(keyOf('*', r.step), newRepeatPopulation),
      p.getOrCreate(keyOf(r.cohort, '*'), newRepeatPopulation),
      p.getOrCreate(EVERYONE_KEYS[r.kind], newRepeatPopulation),
    ];
  }
}

/**
 * What a write acts on: the innermost existing object named in the path (`/clinics/{c}/patients/{p}/notes`
 * writes on patient p; the clinic is only where it lives), else the first in the query; else, for a
 * write that names none (a booking, a submission: POST to a collection), the collection itself, so
 * booking one slot after another is one operation repeated. Logins and searches or operations sent
 * as POST (`_search`, `$validate`) change no business state and have no target.
 */
function targetOf(event: NormalizedEvent): { type: string; id: string | undefined } | undefined {
  let inPath: ObjectRef | undefined;
  let fallback: ObjectRef | undefined;
  for (const o of event.objects) {
    if (o.created) continue;
    // NOTE: path objects come in path order (libs/objects), so the last one is the innermost.
    if (o.via === 'path') inPath = o;
    else fallback ??= o;
  }
  if (inPath !== undefined) return inPath;
  if (fallback !== undefined) return fallback;
  const last = event.route.slice(event.route.lastIndexOf('/') + 1);
  if (last.startsWith('_') || last.startsWith('$') || isAuthRouteByName(event.route)) return undefined;
  return { type: 'collection', id: undefined };
}

/** The type of the object a DELETE names in its path (the creation it undoes). */
function createdType(event: NormalizedEvent): string {
  return event.objects.findLast((o) => o.via === 'path')?.type ?? 'collection';
}
