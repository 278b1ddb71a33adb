import { describe, expect, it } from 'vitest';
import type { BaselineSnapshot } from '../../libs/baseline/index.js';
import type { Finding, NormalizedEvent } from '../../libs/contracts/index.js';
import { principalOf } from '../test-support/auth.js';
import { event, ref } from '../test-support/events.js';
import { expectSameAtEveryCut, feed } from '../test-support/rows.js';
import { createFlowAbuseDetector, DEFAULTS, POPULATION_ROWS } from './index.js';
import { H, T0 } from './test-traffic.js';

// A telehealth API: during a video visit the provider's app posts a heartbeat on the visit every
// 15 s, 40 times in a ten-minute visit, far past the learning floor (2 x 5) of repeats on one object.
const HEARTBEAT = '/api/v2/visits/{id}/heartbeat';
const provider = (n: number) => principalOf(`user:dr-${n}`, { app: 'tele-provider', scopes: ['provider'] });

function visit(n: number, visitId: string, at: number, beats = 40): NormalizedEvent[] {
  return Array.from({ length: beats }, (_, i) =>
    event({ ts: at + i * 15_000, principal: provider(n), route: HEARTBEAT, method: 'POST', status: 204, responseBytes: 0, objects: [ref('visits', visitId)] }),
  );
}

/** Provider n holds one visit at T0 + 2n hours: each run has ended (an hour without beats) before the next starts. */
const visits = (providers: number) => Array.from({ length: providers }, (_, n) => visit(n, `tok_v${n}`, T0 + n * 2 * H)).flat();

const d = createFlowAbuseDetector(DEFAULTS);
/** Who alerted, once per run (a run's first finding is at the threshold it crossed). */
const runsAlerted = (findings: Finding[]) => findings.filter((f) => f.evidence.repeats === f.evidence.threshold).map((f) => [f.principal, f.evidence.thresholdBasis]);

describe('flow-abuse: an operation the whole cohort repeats far past the learning floor', () => {
  it('alerts on the first ten providers only: their held runs then teach the population', () => {
    const findings = feed(d, d.createState(), visits(14));
    expect(runsAlerted(findings)).toEqual(Array.from({ length: 10 }, (_, n) => [`user:dr-${n}`, 'learning_floor']));
    // Every finding belongs to those ten runs: 31 each (repeats 10 to 40).
    expect(findings).toHaveLength(10 * 31);
  });

  it('judges later runs by what the providers do: 2 x the 99th percentile of their 40-beat runs', () => {
    const state = d.createState();
    feed(d, state, visits(12));
    const pop = state.repeatPops.peek(`tele-provider|provider|POST ${HEARTBEAT}`);
    expect(pop).toMatchObject({ vouched: true, held: undefined });
    // The ten held runs, and dr-10's that ended unalerted; dr-11's is still open (its last beat is
    // less than an hour old).
    expect(pop?.values.ring.count).toBe(11);
    // A provider stuck in a loop posting 100 heartbeats is still beyond 2 x 40 (dr-11's run ended
    // before it, a twelfth sample).
    const loop = feed(d, state, visit(3, 'tok_loop', T0 + 30 * H, 100));
    expect(runsAlerted(loop)).toEqual([['user:dr-3', 'cohort']]);
    expect(loop[0]?.evidence).toMatchObject({ threshold: 80, populationSamples: 12 });
  });

  it('never learns one principal’s alerted runs, however many: an abuser cannot vouch for itself', () => {
    const alone = Array.from({ length: 12 }, (_, k) => visit(0, `tok_v${k}`, T0 + k * 2 * H)).flat();
    const state = d.createState();
    expect(runsAlerted(feed(d, state, alone))).toEqual(Array.from({ length: 12 }, () => ['user:dr-0', 'learning_floor']));
    const pop = state.repeatPops.peek(`tele-provider|provider|POST ${HEARTBEAT}`);
    expect(pop?.values.ring.count).toBe(0);
    expect(pop?.held?.get('user:dr-0')).toEqual([40, 40, 40, 40, 40, 40, 40, 40]);
  });

  it('keeps held runs and the vouch through a snapshot and restore, wherever it is cut', () => {
    const events = visits(12);
    const cuts = Array.from({ length: Math.floor(events.length / 13) }, (_, i) => (i + 1) * 13);
    expectSameAtEveryCut(d, events, cuts, (rows: BaselineSnapshot[]) => rows.filter((r) => r.key === POPULATION_ROWS.repeats).map((r) => JSON.parse(r.state) as unknown));
  });
});
