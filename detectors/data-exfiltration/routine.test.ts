import { describe, expect, it } from 'vitest';
import type { Finding, NormalizedEvent } from '../../libs/contracts/index.js';
import { event, principal } from '../test-support/events.js';
import { createExfilDetector, type ExfilState } from './index.js';

// A patient portal whose imaging route returns a whole study (tens of MiB) per download.
const T0 = Date.UTC(2026, 10, 2, 0, 0, 0);
const W = 300_000;
const HOUR = 3_600_000;
const MiB = 1024 * 1024;
const ROUTE = '/v1/imaging/studies/{id}/download';
const STUDIES = [20, 35, 50, 65, 80, 90, 45, 30, 70, 55].map((m) => m * MiB);

const patient = (n: number) => principal(`user:patient-${n}`, 'app:portal', ['patient/*.read']);
const clinician = principal('user:dr-lee', 'app:ehr', ['user/*.read']);

/** 26 hours of one 200 kB read per window for each principal: every one of them is learned after it. */
function history(who: ReturnType<typeof principal>[]): NormalizedEvent[] {
  return who
    .flatMap((p, i) => Array.from({ length: 312 }, (_, k) => event({ ts: T0 + k * W + 10_000 + i, principal: p, route: '/v1/messages', responseBytes: 200_000 })))
    .sort((a, b) => a.ts - b.ts);
}

const download = (p: ReturnType<typeof principal>, ts: number, bytes: number): NormalizedEvent => event({ ts, principal: p, route: ROUTE, responseBytes: bytes });

/** Patients 0-4 download two studies each, an hour apart: ten downloads by five members of the cohort. */
function coldStart(start: number): NormalizedEvent[] {
  return [0, 1, 2, 3, 4].flatMap((n) => [download(patient(n), start + n * 2 * HOUR, STUDIES[2 * n] as number), download(patient(n), start + (n * 2 + 1) * HOUR, STUDIES[2 * n + 1] as number)]);
}

function detector() {
  const d = createExfilDetector();
  const state = d.createState();
  return { d, state, feed: (events: NormalizedEvent[], s: ExfilState = state): Finding[] => events.flatMap((e) => d.detect(e, s)) };
}

const AFTER_HISTORY = T0 + 313 * W + 10_000;
const LATER = AFTER_HISTORY + 12 * HOUR;

describe('data-exfiltration: routine large responses', () => {
  it('alerts on the first downloads of a new large route, then leaves a few per window out once five of the cohort got them', () => {
    const { feed } = detector();
    expect(feed(history([0, 1, 2, 3, 4, 5, 6, 7].map(patient)))).toEqual([]);
    // Nothing is known about the route yet: each of the ten downloads is far above its 5 MiB
    // threshold. Each is still learned (its window had not alerted before it).
    const cold = feed(coldStart(AFTER_HISTORY));
    expect(cold.map((f) => [f.principal, f.evidence.observedBytes, f.evidence.routineResponses])).toEqual(
      [0, 1, 2, 3, 4].flatMap((n) => [
        [`user:patient-${n}`, STUDIES[2 * n], 0],
        [`user:patient-${n}`, STUDIES[2 * n + 1], 0],
      ]),
    );
    // Now routine: patients who never downloaded get a study each, patient 0 three in one window.
    const routine = [5, 6, 7].map((n) => download(patient(n), LATER + n * HOUR, 60 * MiB));
    const three = [0, 1, 2].map((k) => download(patient(0), LATER + 9 * HOUR + k * 20_000, 85 * MiB));
    expect(feed([...routine, ...three])).toEqual([]);
  });

  it('counts every download past three in one window: a hundred studies are not routine', () => {
    const { feed } = detector();
    feed([...history([0, 1, 2, 3, 4, 5].map(patient)), ...coldStart(AFTER_HISTORY)]);
    const hundred = Array.from({ length: 100 }, (_, k) => download(patient(5), LATER + k * 2_000, 50 * MiB));
    const found = feed(hundred);
    // The fourth is counted, crosses max(5 MiB, 10 x 200 kB, 1.5 x peak 200 kB) and alerts; the
    // window stays alerted (one finding per window).
    expect(found).toHaveLength(1);
    expect(found[0]?.ts).toBe(LATER + 3 * 2_000);
    expect(found[0]?.evidence).toMatchObject({ pattern: 'volume_spike', baseline: 'principal', observedBytes: 50 * MiB, thresholdBytes: 5 * MiB, routineResponses: 3 });
    expect(found[0]?.summary).toBe(
      'user:patient-5 received 50 MiB of responses within 300s besides 3 routine large responses; its own baseline is 0.19 MiB (threshold 5 MiB)',
    );
  });

  it('does not make a route routine for another cohort, nor a response far larger than the cohort ever gets', () => {
    const { feed } = detector();
    feed([...history([...[0, 1, 2, 3, 4].map(patient), clinician]), ...coldStart(AFTER_HISTORY)]);
    // The clinicians' cohort never downloaded studies: one is counted like any response.
    const byClinician = feed([download(clinician, LATER, 50 * MiB)]);
    expect(byClinician.map((f) => [f.principal, f.evidence.routineResponses])).toEqual([['user:dr-lee', 0]]);
    // 1.5 x the cohort's 90th percentile (80-90 MiB here) is the most a routine download can be.
    const huge = feed([download(patient(1), LATER + HOUR, 400 * MiB)]);
    expect(huge.map((f) => [f.principal, f.severity, f.evidence.observedBytes])).toEqual([['user:patient-1', 'high', 400 * MiB]]);
  });

  it('needs five members of the cohort: one principal downloading again and again never makes its own route routine', () => {
    const { feed } = detector();
    feed(history([patient(0)]));
    const again = Array.from({ length: 12 }, (_, k) => download(patient(0), AFTER_HISTORY + k * HOUR, 40 * MiB));
    expect(feed(again)).toHaveLength(12);
  });

  it('keeps the routine sizes and the window’s routine count through a snapshot and restore', () => {
    const { d, state, feed } = detector();
    feed([...history([0, 1, 2, 3, 4, 5].map(patient)), ...coldStart(AFTER_HISTORY)]);
    feed([0, 1].map((k) => download(patient(5), LATER + k * 20_000, 50 * MiB)));
    const back = d.createState();
    // Six principals, one cohort, one routine (cohort, route) pair.
    expect(d.restore(back, d.snapshot(state, 7))).toBe(8);
    const rest = [2, 3].map((k) => download(patient(5), LATER + k * 20_000, 50 * MiB));
    // The third download of the window is still routine, the fourth is counted.
    expect(feed(rest, back).map((f) => [f.ts, f.evidence.routineResponses])).toEqual([[LATER + 3 * 20_000, 3]]);
  });
});
