import { describe, expect, it } from 'vitest';
import type { NormalizedEvent, Principal } from '../../libs/contracts/index.js';
import { event } from '../test-support/events.js';
import { restored } from '../test-support/rows.js';
import { createTokenMisuseDetector } from './index.js';

// A scheduling service's API key: it lists the schedule every minute from one host with one client.
const T0 = Date.UTC(2026, 9, 12);
const MIN = 60_000;
const DAY = 86_400_000;
const key: Principal = { id: 'key:fp_sched', kind: 'apikey', scopes: [], authScheme: 'apikey', credentialFingerprint: 'fp_sched' };
const HOME = { clientIp: '34.120.8.9', userAgent: 'scheduler/1.4' };
const THIEF = { clientIp: '45.155.205.17', userAgent: 'curl/8.4' };
const CHART = '/api/v2/patients/{id}/chart';

const call = (ts: number, route: string, where: { clientIp: string; userAgent: string }, p: Principal = key): NormalizedEvent => event({ ts, principal: p, route, ...where });
/** Two days of the schedule listed every minute from home. */
const routine = (p: Principal = key) => Array.from({ length: 2 * 24 * 60 }, (_, i) => call(T0 + i * MIN, '/api/v2/schedule', HOME, p));
const AFTER = T0 + 2 * DAY;

function run(events: NormalizedEvent[]) {
  const d = createTokenMisuseDetector();
  const state = d.createState();
  const findings = events.flatMap((e) => d.detect(e, state));
  return { d, state, findings, foreign: findings.filter((f) => f.evidence.pattern === 'foreign_use') };
}

describe('token-misuse: a machine credential used by someone else', () => {
  it('flags the key reading charts from a network and a client it never used, from the first request', () => {
    const { findings, foreign } = run([...routine(), call(AFTER, CHART, THIEF), call(AFTER + 20_000, CHART, THIEF)]);
    expect(findings).toEqual(foreign);
    expect(foreign).toHaveLength(2);
    expect(foreign[0]).toMatchObject({ detector: 'token-misuse', owasp: 'API2:2023', severity: 'high', ts: AFTER, principal: 'key:fp_sched', route: CHART });
    expect(foreign[0]?.evidence).toEqual({ pattern: 'foreign_use', confidence: 0.8, scope: 'principal', learnedDays: 2, knownNetworks: 1, knownUserAgents: 1, knownRoutes: 1, userAgent: 'curl/8.4' });
    expect(foreign[0]?.summary).toBe(
      'key:fp_sched, a machine credential, was used from a network and a client it never used in 2 days (45.155.205.17, "curl/8.4") to call GET /api/v2/patients/{id}/chart, which it never called: someone else holds it',
    );
  });

  it('does not flag a new route from home, nor a new home on known routes, and adopts a home used 20 times in a row', () => {
    const moved = { clientIp: '35.200.1.7', userAgent: 'scheduler/1.5' };
    const events = [
      ...routine(),
      call(AFTER, '/api/v2/providers', HOME),
      ...Array.from({ length: 20 }, (_, i) => call(AFTER + (i + 1) * MIN, '/api/v2/schedule', moved)),
      call(AFTER + 30 * MIN, '/api/v2/rooms', moved),
    ];
    expect(run(events).findings).toEqual([]);
  });

  it('still flags a thief who called a known route first: a foreign pair is learned only after 20 requests in a row', () => {
    const events = [...routine(), ...Array.from({ length: 19 }, (_, i) => call(AFTER + i * 1000, '/api/v2/schedule', THIEF)), call(AFTER + MIN, CHART, THIEF)];
    expect(run(events).foreign.map((f) => f.ts)).toEqual([AFTER + MIN]);
  });

  it('judges nothing before a day of history, nor people, nor a key that is used from many networks', () => {
    const firstDay = routine().slice(0, 600);
    expect(run([...firstDay, call(T0 + 600 * MIN, CHART, THIEF)]).findings).toEqual([]);
    const user: Principal = { id: 'user:dr-1', kind: 'user', app: 'ehr', scopes: ['user/*.read'], authScheme: 'bearer' };
    expect(run([...routine(user), call(AFTER, CHART, THIEF, user)]).findings).toEqual([]);
    // A fleet: the key is used from 20 /24 networks in turn, so networks say nothing about it (the
    // distinct-network count is another pattern's business, and its learning floor flags the rotation).
    const fleet = routine().map((e, i) => ({ ...e, clientIp: `34.120.${i % 20}.9` }));
    const { state, foreign } = run([...fleet, call(AFTER, CHART, THIEF)]);
    expect(foreign).toEqual([]);
    expect(state.contexts.peek('key:fp_sched')).toMatchObject({ diverse: 1, nets: { length: 16 } });
  });

  it('keeps what the key knows through a snapshot and restore', () => {
    const { d, state } = run(routine());
    const back = restored(d, d.snapshot(state, 1));
    expect(back.contexts.peek('key:fp_sched')).toEqual(state.contexts.peek('key:fp_sched'));
    expect(d.detect(call(AFTER, CHART, THIEF), back).map((f) => f.evidence.pattern)).toEqual(['foreign_use']);
  });
});
