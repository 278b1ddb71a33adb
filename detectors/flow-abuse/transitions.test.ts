import { describe, expect, it } from 'vitest';
import { DEFAULTS } from './config.js';
import { countSession, log10Chance, newCohortDays, sessionsPerDay, type Anomaly } from './session.js';
import { learnArrival, learnTransition, newFromStats, newTargetStats, skipOdds, transitionOdds, type FromStats } from './transitions.js';

/** A source step left `total` times, by 10 principals: `common` to one target, the rest to `tail` targets once each. */
function source(total: number, tail: number): FromStats {
  const f = newFromStats();
  for (let i = 0; i < total - tail; i++) learnTransition(f, 'POST /common', `user:u${i % 10}`);
  for (let i = 0; i < tail; i++) learnTransition(f, `POST /rare${i}`, `user:u${i % 10}`);
  return f;
}

const anomaly = (p: number): Anomaly => ({ pattern: 'unseen_transition', key: `k${p}`, step: `POST /s${p}`, p, count: 0, total: 1 });

describe('flow-abuse transition odds', () => {
  it('bounds an unseen transition by the rule of three', () => {
    expect(transitionOdds(source(1000, 0), 'POST /never', DEFAULTS)).toEqual({ count: 0, total: 1000, p: 0.003 });
  });

  it('counts the whole tail: a target seen once is improbable when the flow is concentrated, not in a long tail', () => {
    expect(transitionOdds(source(1000, 1), 'POST /rare0', DEFAULTS)).toEqual({ count: 1, total: 1000, p: 0.004 });
    // 40 targets were each taken once: "some target taken once" happens 4% of the time.
    expect(transitionOdds(source(1000, 40), 'POST /rare0', DEFAULTS)).toEqual({ count: 1, total: 1000, p: 0.043 });
  });

  it('does not judge a source learned from too few principals, or an unseen target once the targets are capped', () => {
    const few = newFromStats();
    for (let i = 0; i < 500; i++) learnTransition(few, 'POST /common', `user:u${i % 9}`);
    expect(transitionOdds(few, 'POST /never', DEFAULTS)).toBeUndefined();
    const capped = source(600, 300);
    expect(capped.saturated).toBe(true);
    expect(transitionOdds(capped, 'POST /never', DEFAULTS)).toBeUndefined();
  });

  it('gives a skipped step the bound (skips + 3) / arrivals, and p 1 when nothing was skipped', () => {
    const t = newTargetStats();
    for (let i = 0; i < 400; i++) learnArrival(t, i < 398 ? ['POST /claims'] : [], `user:b${i % 10}`);
    expect(skipOdds(t, [], DEFAULTS)).toEqual({ step: 'POST /claims', share: 0.995, arrivals: 400, p: 0.0125 });
    expect(skipOdds(t, ['POST /claims'], DEFAULTS)).toEqual({ step: '', share: 0, arrivals: 400, p: 1 });
  });
});

describe('flow-abuse session evidence', () => {
  it('is C(judged, k) times the product of the anomalies probabilities, in log10', () => {
    expect(log10Chance(1, [anomaly(0.01)])).toBe(-2);
    expect(log10Chance(10, [anomaly(0.01)])).toBe(-1);
    // C(5, 2) = 10: two anomalies among five judged steps.
    expect(log10Chance(5, [anomaly(0.01), anomaly(0.001)])).toBeCloseTo(-4, 10);
  });

  it("counts a cohort's sessions per day on event time, the larger of yesterday and today", () => {
    const days = newCohortDays();
    const D = 86_400_000;
    for (let i = 0; i < 40; i++) countSession(days, 3 * D + i * 1000);
    expect(sessionsPerDay(days)).toBe(40);
    for (let i = 0; i < 5; i++) countSession(days, 4 * D + i * 1000);
    expect(sessionsPerDay(days)).toBe(40);
    // A day without sessions in between: yesterday counted nothing.
    countSession(days, 6 * D);
    expect(sessionsPerDay(days)).toBe(1);
  });

  it('counts a late session on the day it started (a lagging partition), never as today', () => {
    const days = newCohortDays();
    const D = 86_400_000;
    for (let i = 0; i < 3; i++) countSession(days, 5 * D + i * 1000);
    // Sessions of yesterday and of three days ago arrive after today's began.
    for (let i = 0; i < 30; i++) countSession(days, 4 * D + i * 1000);
    for (let i = 0; i < 50; i++) countSession(days, 2 * D + i * 1000);
    expect(days).toEqual({ day: 5, cur: 3, prev: 30 });
    expect(sessionsPerDay(days)).toBe(30);
  });
});
