import {
  confidence,
  createPackedProfileMap,
  createProfileMap,
  observe,
  round2,
  stdDev,
  upperBound,
  type BaselineSource,
  type CappedSets,
  type Ewma,
  type PackedProfileMap,
  type Persistent,
  type ProfileMap,
  type Tracked,
} from '../../libs/baseline/index.js';
import { COUNTER_ALERTED, COUNTER_CUR, estimateAt, rollAt, tooLateAt } from '../../libs/baseline/counter.js';
import { observeAt, unpackEwma, upperBoundAt } from '../../libs/baseline/ewma.js';
import { hourAddAt, isUsualHourAt } from '../../libs/baseline/hour-profile.js';
import { observePeakAt, peakValueAt } from '../../libs/baseline/peak.js';
import type { Finding, NormalizedEvent, Severity } from '../../libs/contracts/index.js';
import { addPhi, mergePhi, phiEvidence, phiPhrase } from '../../libs/phi/index.js';
import type { Detector } from '../framework.js';
import { createTraitsMemo, type TraitsDeps } from '../principal-traits.js';
import { findingAbout } from '../framework.js';
import { BULK_BIT, BULK_KINDS, bulkBits, kindsOf, type BulkKind } from './bulk.js';
import { DEFAULTS, type ExfilConfig } from './config.js';
import { BYTES as BYTES_AT, HOURS as HOURS_AT, PEAK as PEAK_AT, PHI_START as PHI_START_AT, ROUTINE as ROUTINE_AT, WINDOW as WINDOW_AT, cohortCodec, principalCodec, type CohortVolume, type PrincipalVolume } from './profile.js';
import { createRoutineCodec, isRoutine, learnRoutine, routineKey, type RoutineSizes } from './routine.js';

export { DEFAULTS, type ExfilConfig } from './config.js';

// NOTE: module-local copies of the slot offsets (plain constants in hot code; an imported binding
// is a lookup per use under some module loaders, e.g. vitest's).
const WINDOW = WINDOW_AT;
const W_CUR = WINDOW_AT + COUNTER_CUR;
const W_ALERTED = WINDOW_AT + COUNTER_ALERTED;
const BYTES = BYTES_AT;
const BYTES_N = BYTES_AT + 4;
const PEAK = PEAK_AT;
const PHI_START = PHI_START_AT;
const HOURS = HOURS_AT;
const ROUTINE = ROUTINE_AT;

export const NAME = 'data-exfiltration';
export const OWASP = 'API3:2023';
/**
 * The routine sizes' rows are saved under their own detector name (cohort scope: shared, never
 * moved with a partition), so they never meet the cohort codec.
 */
const ROUTINES = `${NAME}/routine-sizes`;

export interface ExfilState {
  principals: PackedProfileMap<PrincipalVolume>;
  cohorts: ProfileMap<CohortVolume>;
  /** Routine large responses per cohort and route (routine.ts). */
  routines: ProfileMap<RoutineSizes>;
}

/**
 * Data exfiltration (OWASP API3:2023, excessive data exposure):
 * - `volume_spike`: response bytes over a sliding window far above the principal's own baseline
 *   (EWMA of its active windows), its cohort's while it learns, nothing while both learn;
 * - `bulk_new`: a bulk read (`$export`, `$everything`, `_include`, `_revinclude`) by a principal
 *   that never used it after a full learning period, unless its cohort commonly does; while the
 *   principal learns, only a learned cohort that does not use it makes this a finding.
 */
export function createExfilDetector(cfg: ExfilConfig = DEFAULTS, deps: TraitsDeps = {}): Detector<ExfilState> & Persistent<ExfilState> & CappedSets<ExfilState> {
  // The cohort key, from the memo services/registry.ts shares between detectors (one lookup per event).
  const traitsOf = deps.traits ?? createTraitsMemo();
  const windowMs = cfg.windowSeconds * 1000;
  const ewma = { alpha: cfg.alpha, halfLifeMs: cfg.halfLifeSeconds * 1000 };
  const bound = { floor: cfg.minBytes, multiplier: cfg.multiplier, z: cfg.z };
  const peakHalfLifeMs = cfg.peakHalfLifeSeconds * 1000;
  const learning = { minEvents: cfg.learningEvents, minSpanMs: cfg.learningSeconds * 1000 };
  const routineCodec = createRoutineCodec(cfg);

  function volume(event: NormalizedEvent, state: ExfilState, p: PrincipalVolume, c: Tracked<CohortVolume>, cohort: string): Finding[] {
    const d = p.data;
    // A response from before the previous window (a re-sent log line) belongs to no window still counted.
    if (tooLateAt(d, WINDOW, event.ts, windowMs)) return [];
    const bucket = d[WINDOW];
    const closed = rollAt(d, WINDOW, event.ts, windowMs);
    if (closed >= 0) {
      observeAt(d, BYTES, closed, event.ts, ewma);
      observePeakAt(d, PEAK, closed, event.ts, peakHalfLifeMs);
      observe(c.profile.bytes, closed, event.ts, ewma);
    }
    if (d[WINDOW] !== bucket) d[ROUTINE] = 0;
    const large = event.responseBytes >= cfg.routineMinBytes && event.status >= 200 && event.status < 300;
    const routines = large ? state.routines.touch(routineKey(cohort, event), event.ts) : undefined;
    const routine = large && (d[ROUTINE] as number) < cfg.routinePerWindow && isRoutine(routines?.profile, event.responseBytes, cfg);
    if (routine) d[ROUTINE] = (d[ROUTINE] as number) + 1;
    const counted = routine ? 0 : event.responseBytes;
    d[W_CUR] = (d[W_CUR] as number) + counted;
    trackPhi(p, event);
    const clean = d[W_ALERTED] === 0;
    const found = judge(event, state, p, c, counted);
    // Only from a window that had not alerted before this response: see learnRoutine.
    if (routines !== undefined && clean) learnRoutine(routines.profile, event.principal.id, event.responseBytes);
    return found;
  }

  function judge(event: NormalizedEvent, state: ExfilState, p: PrincipalVolume, c: Tracked<CohortVolume>, counted: number): Finding[] {
    const d = p.data;
    if (d[W_ALERTED] === 1 || counted === 0) return [];
    const observed = estimateAt(d, WINDOW, event.ts, windowMs);
    let source: BaselineSource;
    let threshold: number;
    let peak = 0;
    if (!state.principals.learning(p) && (d[BYTES_N] as number) >= cfg.learningWindows) {
      source = 'principal';
      peak = cfg.peakFactor * peakValueAt(d, PEAK, event.ts, peakHalfLifeMs);
      threshold = Math.max(upperBoundAt(d, BYTES, bound), peak);
    } else if (!state.cohorts.learning(c) && c.profile.bytes.n >= cfg.learningWindows) {
      source = 'cohort';
      // Its own history is too short to judge by, but what it already did without alerting still
      // counts: a nightly job of two windows a night is back the next night, before its own
      // baseline has the windows or the day it needs.
      if ((d[BYTES_N] as number) > 0) peak = cfg.peakFactor * peakValueAt(d, PEAK, event.ts, peakHalfLifeMs);
      threshold = Math.max(upperBound(c.profile.bytes, bound), peak);
    } else {
      // Principal and cohort both still learning: nothing to compare with, so nothing is reported.
      return [];
    }
    if (observed <= threshold) return [];
    d[W_ALERTED] = 1;
    const base: Ewma = source === 'principal' ? unpackEwma(d, BYTES) : c.profile.bytes;
    const who = event.principal.id;
    const phi = d[PHI_START] === d[WINDOW] ? p.phi : undefined;
    const baseline = `its ${source === 'principal' ? 'own' : 'cohort’s'} baseline is ${mib(base.mean)} MiB (threshold ${mib(threshold)} MiB)`;
    const routine = d[ROUTINE] as number;
    const besides = routine === 0 ? '' : ` besides ${routine} routine large response${routine === 1 ? '' : 's'}`;
    return [
      finding(event, observed > 4 * threshold ? 'high' : 'medium', `${who} received ${mib(observed)} MiB of responses within ${cfg.windowSeconds}s${besides}${phiPhrase(phi)}; ${baseline}`, {
        pattern: 'volume_spike',
        confidence: confidence(source, observed, threshold),
        observedBytes: Math.round(observed),
        windowSeconds: cfg.windowSeconds,
        baseline: source,
        baselineMeanBytes: Math.round(base.mean),
        baselineSdBytes: Math.round(stdDev(base)),
        baselineWindows: base.n,
        peakBytes: Math.round(peak),
        thresholdBytes: Math.round(threshold),
        routineResponses: routine,
        usualHour: isUsualHourAt(p.data, HOURS, event.ts),
        ...phiEvidence(phi),
      }),
    ];
  }

  function bulk(event: NormalizedEvent, state: ExfilState, p: PrincipalVolume, c: Tracked<CohortVolume>): Finding[] {
    const fresh = bulkBits(event) & ~p.bulk;
    if (fresh === 0) return [];
    const principalLearned = !state.principals.learning(p);
    const cohortLearned = !state.cohorts.learning(c);
    const out: Finding[] = [];
    // A bulk read is one request: what its own response disclosed.
    const phi = mergePhi([event.phi]);
    for (const kind of kindsOf(fresh)) {
      const i = BULK_KINDS.indexOf(kind);
      const share = c.profile.members === 0 ? 0 : (c.profile.bulkUsers[i] ?? 0) / c.profile.members;
      const cohortUses = share >= cfg.cohortShare;
      // Learned principal: new to it, and not a cohort habit. Learning principal: only a learned
      // cohort that does not do it is evidence enough.
      const abnormal = principalLearned ? !cohortUses : cohortLearned && !cohortUses;
      if (!abnormal) {
        // NOTE: usage that alerted is not learned, so an attacker cannot make it normal by repeating it.
        p.bulk |= BULK_BIT[kind];
        c.profile.bulkUsers[i] = (c.profile.bulkUsers[i] ?? 0) + 1;
        continue;
      }
      const source: BaselineSource = principalLearned ? 'principal' : 'cohort';
      out.push(
        finding(event, kind === 'export' || kind === 'everything' ? 'high' : 'medium', bulkSummary(event, kind, source, cohortLearned, phiPhrase(phi)), {
          pattern: 'bulk_new',
          confidence: round2(confidence(source, 1, 1) + (principalLearned && cohortLearned ? 0.1 : 0)),
          operation: kind,
          baseline: source,
          principalEvents: state.principals.events(p),
          principalDays: round2((state.principals.lastTs(p) - state.principals.firstTs(p)) / 86_400_000),
          cohortMembers: c.profile.members,
          cohortUsers: c.profile.bulkUsers[i] ?? 0,
          cohortShare: round2(share),
          responseBytes: event.responseBytes,
          usualHour: isUsualHourAt(p.data, HOURS, event.ts),
          ...phiEvidence(phi),
        }),
      );
    }
    return out;
  }

  return {
    name: NAME,
    owasp: OWASP,
    createState: () => ({
      principals: createPackedProfileMap({ capacity: cfg.principalCap, learning, codec: principalCodec }),
      cohorts: createProfileMap({ capacity: cfg.cohortCap, learning, codec: cohortCodec }),
      // No learning period of its own: routineMinPrincipals and routineMinResponses gate its use.
      routines: createProfileMap({ capacity: cfg.routineCap, learning: { minEvents: 0, minSpanMs: 0 }, codec: routineCodec }),
    }),
    detect(event, state) {
      const p = state.principals.touch(event.principal.id, event.ts);
      const cohort = traitsOf(event.principal).cohort;
      const c = state.cohorts.touch(cohort, event.ts);
      // NOTE: approximate: a principal forgotten and seen again counts twice (shares err low).
      if (state.principals.events(p) === 1) c.profile.members++;
      const found = [...volume(event, state, p, c, cohort), ...bulk(event, state, p, c)];
      // The hour is learned after judging, so this event does not make its own hour usual.
      hourAddAt(p.data, HOURS, event.ts);
      return found;
    },
    // With `select` (incremental snapshots, partition handoff) only those principals' rows are encoded.
    snapshot: (state, version, select) => [
      ...state.principals.snapshot(NAME, 'principal', version, select?.principals),
      ...state.cohorts.snapshot(NAME, 'cohort', version),
      ...state.routines.snapshot(ROUTINES, 'cohort', version),
    ],
    restore: (state, rows) =>
      state.principals.restore(NAME, 'principal', rows) + state.cohorts.restore(NAME, 'cohort', rows) + state.routines.restore(ROUTINES, 'cohort', rows),
    // Their partition moved to another instance, which loads these rows from the store.
    forget: (state, principals) => {
      state.principals.delete(principals);
    },
    // Nothing to empty: a principal holds a fixed set of numbers (and its current window's PHI
    // evidence, bounded by the PHI categories and resource types), all counted against the budget.
    clearCapped: () => {},
  };
}

/** Merges the event's PHI into the principal's current-window PHI (reset when the window moves). */
function trackPhi(p: PrincipalVolume, event: NormalizedEvent): void {
  const start = p.data[WINDOW] as number;
  if (p.data[PHI_START] !== start) {
    if (p.phi === undefined && event.phi === undefined) return;
    p.phi = undefined;
    p.data[PHI_START] = start;
  }
  p.phi = addPhi(p.phi, event.phi);
}

const OPERATION: Record<BulkKind, string> = {
  export: 'a bulk $export',
  everything: 'an $everything read',
  include: 'an _include search',
  revinclude: 'a _revinclude search',
};

function bulkSummary(event: NormalizedEvent, kind: BulkKind, source: BaselineSource, cohortLearned: boolean, phi: string): string {
  const who = event.principal.id;
  const why =
    source === 'principal'
      ? `it never did${cohortLearned ? ' and its cohort rarely does' : ''}`
      : 'it is new and its cohort never does';
  return `${who} ran ${OPERATION[kind]} on ${event.route}${phi}; ${why}`;
}

function finding(event: NormalizedEvent, severity: Severity, summary: string, evidence: Record<string, unknown>): Finding {
  return {
    detector: NAME,
    owasp: OWASP,
    severity,
    ...findingAbout(event),
    summary,
    evidence,
  };
}

function mib(bytes: number): number {
  return round2(bytes / (1024 * 1024));
}
