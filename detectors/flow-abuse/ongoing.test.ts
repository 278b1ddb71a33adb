import { describe, expect, it } from 'vitest';
import { seededInts } from '../test-support/random.js';
import type { Finding, NormalizedEvent, Principal } from '../../libs/contracts/index.js';
import { principalOf } from '../test-support/auth.js';
import { event, ref } from '../test-support/events.js';
import { addToPopulation } from '../credential-stuffing/stats.js';
import { createFlowAbuseDetector, DEFAULTS } from './index.js';
import { decodeRepeatPop, encodeRepeatPop } from './persist.js';
import { newRepeatPopulation, noteOngoing, ONGOING_CAP, peersThreshold } from './repeats.js';

const H = 3600_000;
const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 2, 0, 0, 0);
const device = (n: number): Principal => principalOf(`user:d${n}`, { app: 'glucose-companion', scopes: ['patient/Observation.write'] });

function upload(who: Principal, ts: number, id: string): NormalizedEvent {
  const o = ref('Observation', id, { via: 'location', created: true });
  return event({ ts, principal: who, route: '/fhir/Observation', method: 'POST', status: 201, objects: [o] });
}

/** Two days of 12 devices syncing 2 readings every 2 hours: 288 short runs (peak 2) teach the cohort. */
function shortSyncs(): NormalizedEvent[] {
  const out: NormalizedEvent[] = [];
  for (let k = 0; k < 24; k++) for (let d = 0; d < 12; d++) for (let i = 0; i < 2; i++) out.push(upload(device(d), T0 + k * 2 * H + d * MIN + i * 5 * MIN, `tok_s${k}_${d}_${i}`));
  return out;
}

/** From `start`, the given devices upload a reading every 5 minutes for 8 hours (a monitoring session), a minute apart. */
function monitoring(devices: readonly number[], start: number): NormalizedEvent[] {
  const out: NormalizedEvent[] = [];
  for (const d of devices) for (let i = 0; i < 96; i++) out.push(upload(device(d), start + d * MIN + i * 5 * MIN, `tok_m${d}_${i}`));
  return out;
}

function run(events: NormalizedEvent[]): Finding[] {
  const d = createFlowAbuseDetector(DEFAULTS);
  const state = d.createState();
  return events.sort((a, b) => a.ts - b.ts).flatMap((e) => d.detect(e, state));
}

const DAY3 = T0 + 50 * H;

describe('flow-abuse: creation runs still going', () => {
  it('does not flag a cohort whose devices all upload all day, though its ended runs were all short', () => {
    expect(run([...shortSyncs(), ...monitoring([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], DAY3)])).toEqual([]);
  });

  it('still flags one principal creating far more than its peers, with no peer run going to vouch for it', () => {
    const found = run([...shortSyncs(), ...monitoring([4], DAY3)]);
    // Every upload from the 5th on (96 - 4), folded into one alert by the alert manager.
    expect(found).toHaveLength(92);
    expect(found[0]).toMatchObject({ principal: 'user:d4', ts: DAY3 + 4 * MIN + 4 * 5 * MIN });
    expect(found[0]?.evidence).toMatchObject({ pattern: 'repeated_operation', repeats: 5, threshold: 5, thresholdBasis: 'floor', ongoingPeerRuns: 0 });
    expect(found[5]?.evidence).toMatchObject({ repeats: 10, threshold: 5 });
  });
});

describe('peersThreshold', () => {
  const cfg = DEFAULTS;
  const learned = () => {
    const pop = newRepeatPopulation();
    for (let i = 0; i < 100; i++) addToPopulation(pop.values, 2);
    return pop;
  };
  const limit = { threshold: 5, basis: 'cohort' as const, quantile: 2, samples: 100 };

  it("counts peers' live runs, never the principal's own, and never lowers the limit", () => {
    const pop = learned();
    noteOngoing(pop, 'a', 12, T0, H);
    expect(peersThreshold(pop, limit, 'a', T0, H, cfg)).toEqual({ threshold: 5, peers: 0 });
    for (const peer of ['b1', 'b2', 'b3', 'b4']) noteOngoing(pop, peer, 12, T0, H);
    noteOngoing(pop, 'c', 1, T0, H);
    // 1, 100 x 2, 4 x 12: the p99 (index 102.96 of 105) is 12, so 2 x 12 = 24.
    expect(peersThreshold(pop, limit, 'a', T0 + MIN, H, cfg)).toEqual({ threshold: 24, peers: 5 });
    const low = learned();
    noteOngoing(low, 'b', 1, T0, H);
    expect(peersThreshold(low, limit, 'a', T0, H, cfg)).toEqual({ threshold: 5, peers: 1 });
  });

  it('forgets runs quiet for a whole window, and keeps at most ONGOING_CAP', () => {
    const pop = learned();
    noteOngoing(pop, 'b', 12, T0, H);
    expect(peersThreshold(pop, limit, 'a', T0 + H, H, cfg)).toEqual({ threshold: 5, peers: 0 });
    for (let i = 0; i < ONGOING_CAP + 10; i++) noteOngoing(pop, `p${i}`, 3, T0 + 2 * H, H);
    expect(pop.ongoing.size).toBe(ONGOING_CAP);
    expect(pop.ongoing.has('b')).toBe(false);
  });
});

describe('noteOngoing', () => {
  /** The scan-every-time rule it must keep: a full map drops every run quiet for a window, then adds if it can. */
  function reference(map: Map<string, { peak: number; last: number }>, key: string, peak: number, ts: number, windowMs: number): void {
    const o = map.get(key);
    if (o !== undefined) {
      o.peak = peak;
      o.last = Math.max(o.last, ts);
      return;
    }
    if (map.size >= ONGOING_CAP) for (const [k, v] of [...map]) if (v.last <= ts - windowMs) map.delete(k);
    if (map.size < ONGOING_CAP) map.set(key, { peak, last: ts });
  }

  const sameRuns = (a: Map<string, { peak: number; last: number }>, b: Map<string, { peak: number; last: number }>): boolean => {
    if (a.size !== b.size) return false;
    const bs = [...b];
    return [...a].every(([k, v], i) => bs[i]?.[0] === k && bs[i]?.[1].peak === v.peak && bs[i]?.[1].last === v.last);
  };

  it('drops a late run once it is quiet, though every run seen before it was newer', () => {
    const pop = newRepeatPopulation();
    for (let i = 0; i < ONGOING_CAP - 2; i++) noteOngoing(pop, `a${i}`, 2, T0 + 100 * MIN, H);
    noteOngoing(pop, 'old1', 2, T0, H);
    noteOngoing(pop, 'old2', 2, T0, H);
    // Full: the late run's event makes room by dropping the two quiet ones, and is older than all the rest.
    noteOngoing(pop, 'late', 2, T0 + 70 * MIN, H);
    noteOngoing(pop, 'fill', 2, T0 + 100 * MIN, H);
    expect(pop.ongoing.size).toBe(ONGOING_CAP);
    expect([pop.ongoing.has('old1'), pop.ongoing.has('late')]).toEqual([false, true]);
    // An hour after the late run, it is quiet and gives its place to a new one.
    noteOngoing(pop, 'new', 2, T0 + 135 * MIN, H);
    expect([pop.ongoing.has('late'), pop.ongoing.has('new'), pop.ongoing.size]).toEqual([false, true, ONGOING_CAP]);
  });

  it('keeps exactly the runs a full scan on every new run would keep, across restores and late events', () => {
    const next = seededInts(3);
    for (let round = 0; round < 40; round++) {
      let pop = newRepeatPopulation();
      const expected = new Map<string, { peak: number; last: number }>();
      let ts = T0;
      const keys = 40 + (next() % 120);
      for (let i = 0; i < 3000; i++) {
        // Mostly forward by up to 5 minutes, sometimes a late event up to 90 minutes back.
        ts += next() % 10 === 0 ? -(next() % (90 * MIN)) : next() % (5 * MIN);
        const key = `user:p${next() % keys}`;
        const peak = 1 + (next() % 30);
        noteOngoing(pop, key, peak, ts, H);
        reference(expected, key, peak, ts, H);
        if (next() % 500 === 0) pop = decodeRepeatPop(JSON.parse(JSON.stringify(encodeRepeatPop(pop))) as Record<string, unknown>) ?? pop;
        if (!sameRuns(pop.ongoing, expected)) expect({ step: i, runs: [...pop.ongoing] }).toEqual({ step: i, runs: [...expected] });
      }
      expect([...pop.ongoing]).toEqual([...expected]);
    }
  });
});

describe('ongoing runs in snapshots', () => {
  it('round-trip with their population, and a row with a bad entry is refused', () => {
    const pop = newRepeatPopulation();
    addToPopulation(pop.values, 2);
    pop.principals.add('user:d1');
    noteOngoing(pop, 'user:d1\nPOST /fhir/Observation collection/*', 7, T0, H);
    const row = JSON.parse(JSON.stringify(encodeRepeatPop(pop))) as Record<string, unknown>;
    expect(row.ongoing).toEqual([['user:d1\nPOST /fhir/Observation collection/*', 7, T0]]);
    expect(decodeRepeatPop(row)).toEqual(pop);
    expect(decodeRepeatPop({ ...row, ongoing: [['k', 7.5, T0]] })).toBeUndefined();
    expect(decodeRepeatPop({ ...row, ongoing: [['k', 7, T0], ['k', 8, T0]] })).toBeUndefined();
    // Rows saved before ongoing runs were kept have none.
    const { ongoing: _, ...old } = row;
    expect(decodeRepeatPop(old)?.ongoing).toEqual(new Map());
  });
});
