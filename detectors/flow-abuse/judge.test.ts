import { describe, expect, it } from 'vitest';
import type { Finding, NormalizedEvent, Principal } from '../../libs/contracts/index.js';
import { principalOf } from '../test-support/auth.js';
import { event } from '../test-support/events.js';
import { createFlowAbuseDetector, DEFAULTS } from './index.js';

const H = 3600_000;
const T0 = Date.UTC(2026, 10, 2, 0, 0, 0);
const AFTER = T0 + 60 * H;

function run(events: NormalizedEvent[]): Finding[] {
  const d = createFlowAbuseDetector(DEFAULTS);
  const state = d.createState();
  return events.flatMap((e) => d.detect(e, state));
}

const user = (n: number): Principal => principalOf(`user:c${n}`, { app: 'ehr', scopes: ['user/*.*'] });

/** A session: each read is followed by a write to `writes[i]` (POST to a collection), 20 s apart. */
function session(who: Principal, at: number, reads: string[], writes: string[]): NormalizedEvent[] {
  return reads.flatMap((r, i) => [
    event({ ts: at + i * 40_000, principal: who, route: r }),
    event({ ts: at + i * 40_000 + 20_000, principal: who, route: writes[i], method: 'POST', status: 201 }),
  ]);
}

/** 12 users, a session every 2 hours for 60 hours: after each of three reads they write to /x. */
function cohort(): NormalizedEvent[] {
  const out: NormalizedEvent[] = [];
  for (let k = 0; k < 30; k++) for (let u = 0; u < 12; u++) out.push(...session(user(u), T0 + k * 2 * H + u * 150_000, ['/a', '/b', '/c'], ['/x', '/x', '/x']));
  return out.sort((a, b) => a.ts - b.ts);
}

describe('flow-abuse: one unusual step reached from several places', () => {
  it('counts it once: writing to /z after each of three reads is one surprise about /z, not three', () => {
    // Each of a -> z, b -> z, c -> z is unseen in 360 transitions (p = 3/360); taken as independent,
    // three would be 1e-6.2, under the limit 0.01 / 144 sessions a day (1e-4.16).
    expect(run([...cohort(), ...session(user(0), AFTER, ['/a', '/b', '/c'], ['/z', '/z', '/z'])])).toEqual([]);
  });

  it('still alerts on three different unusual steps in one session', () => {
    const found = run([...cohort(), ...session(user(0), AFTER, ['/a', '/b', '/c'], ['/z', '/w', '/v'])]);
    expect(found.map((f) => [f.principal, f.evidence.pattern, f.evidence.anomalies])).toEqual([
      [
        'user:c0',
        'unseen_transition',
        [
          { pattern: 'unseen_transition', step: 'GET /a -> POST /z', p: 0.0083, count: 0, total: 360 },
          { pattern: 'unseen_transition', step: 'GET /b -> POST /w', p: 0.0083, count: 0, total: 360 },
          { pattern: 'unseen_transition', step: 'GET /c -> POST /v', p: 0.0083, count: 0, total: 360 },
        ],
      ],
    ]);
  });
});
