import type { Finding, NormalizedEvent } from '../../libs/contracts/index.js';
import { makeFinding, round2 } from '../credential-stuffing/finding.js';
import type { FlowAbuseConfig } from './config.js';
import { addAnomaly, log10Chance, type Anomaly, type Session } from './session.js';
import { skipOdds, transitionOdds, type FromStats, type TargetStats } from './transitions.js';

export interface StepContext {
  event: NormalizedEvent;
  step: string;
  session: Session;
  /** The cohort's transitions out of the session's previous step, and arrivals at this step. */
  from: FromStats | undefined;
  target: TargetStats | undefined;
  /** First arrival at this step in the session: only then is a skipped prior step judged. */
  firstArrival: boolean;
  /** Sessions the principal's cohort starts per day: how many sessions are tested daily. */
  cohortSessions: number;
  /** How often the principal's own past steps were cohort-rare (session.ts `ownRareRate`); 0 when it has no such habit. */
  ownRate: number;
}

/**
 * Judges one state-changing step against the principal's cohort and adds what is anomalous about
 * it to the session's evidence. A single rare transition proves nothing (thousands of sessions
 * walk a long-tailed distribution), so a finding needs the session's anomalies together to be
 * improbable for any of the cohort's sessions that day: C(m, k) x prod(p) < familyAlpha / sessions.
 */
export function judgeStep(ctx: StepContext, cfg: FlowAbuseConfig, detector: string, owasp: string): Finding | undefined {
  const { event, step, session: s } = ctx;
  const t = s.last === undefined ? undefined : transitionOdds(ctx.from, step, cfg);
  const k = ctx.firstArrival ? skipOdds(ctx.target, s.visited, cfg) : undefined;
  if (t === undefined && k === undefined) return undefined;
  s.judged++;
  let anomaly: Anomaly | undefined;
  if (t !== undefined && t.p < cfg.rareShare) {
    anomaly = { pattern: t.count === 0 ? 'unseen_transition' : 'rare_transition', key: `${s.last ?? ''} -> ${step}`, step, p: t.p, count: t.count, total: t.total };
  }
  if (k !== undefined && k.p < cfg.rareShare && (anomaly === undefined || k.p < anomaly.p)) {
    anomaly = { pattern: 'skipped_step', key: `${step} without ${k.step}`, step, p: k.p, count: Math.round(k.share * k.arrivals), total: k.arrivals };
  }
  if (anomaly === undefined || !addAnomaly(s, anomaly)) return undefined;
  // Defined now: addAnomaly just added one.
  const anomalies = s.anomalies as Anomaly[];
  // A principal that often makes steps its cohort rarely makes is judged against its own rate too.
  const chance = log10Chance(s.judged, anomalies, ctx.ownRate);
  const limit = Math.log10(cfg.familyAlpha / ctx.cohortSessions);
  if (chance >= limit) return undefined;
  s.alerted = true;
  const n = anomalies.length;
  return makeFinding(detector, owasp, event, {
    severity: n >= 3 ? 'high' : 'medium',
    summary:
      `${event.principal.id} made ${n} state-changing step${n === 1 ? '' : 's'} in one session that its cohort almost never makes (${anomalies.map(describe).join('; ')}); ` +
      `chance for a cohort session 1e${Math.round(chance)}, limit ${cfg.familyAlpha} / ${ctx.cohortSessions} sessions a day`,
    evidence: {
      pattern: anomaly.pattern,
      // Every order of magnitude below the limit adds 0.1, from 0.5 at the limit.
      confidence: round2(Math.min(0.9, 0.5 + 0.1 * (limit - chance))),
      step,
      anomalies: anomalies.map((a) => ({ pattern: a.pattern, step: a.key, p: Number(a.p.toPrecision(2)), count: a.count, total: a.total })),
      judgedSteps: s.judged,
      log10Chance: round2(chance),
      log10Limit: round2(limit),
      cohortSessionsPerDay: ctx.cohortSessions,
      ownRareRate: Number(ctx.ownRate.toPrecision(2)),
      familyAlpha: cfg.familyAlpha,
    },
  });
}

function describe(a: Anomaly): string {
  if (a.pattern === 'skipped_step') return `${a.key}, taken first in ${a.count} of ${a.total} sessions`;
  return a.count === 0 ? `${a.key}, never in ${a.total}` : `${a.key}, ${a.count} in ${a.total}`;
}
