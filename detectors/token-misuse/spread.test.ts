import { describe, expect, it } from 'vitest';
import type { Finding, NormalizedEvent, Principal } from '../../libs/contracts/index.js';
import { event } from '../test-support/events.js';
import { feed, throughStore } from '../test-support/rows.js';
import { createTokenMisuseDetector, DEFAULTS } from './index.js';
import { decodeToken, encodeToken, newTokenState } from './state.js';
import { APP, T0 } from './test-traffic.js';
import { principalOf } from '../test-support/auth.js';

const d = createTokenMisuseDetector(DEFAULTS);
const S = 1000;
const MIN = 60 * S;

/** A clinician's bearer token (one credential fingerprint), as the resolver names it. */
const clinician = (fp = 'fp_tok1'): Principal => principalOf('user:c1', { ...APP, credentialFingerprint: fp });
/** Far-apart networks: each address in a /16 of its own. */
const OFFICE = '192.0.2.15';
const VPS = ['203.0.113.7', '198.51.100.9', '100.64.7.7', '172.16.9.9', '10.9.9.9'];
const at = (ts: number, ip: string, who = clinician()): NormalizedEvent => event({ ts, clientIp: ip, userAgent: 'EHR-Web/5.4', principal: who });
const byTime = (es: NormalizedEvent[]) => [...es].sort((a, b) => a.ts - b.ts);
const patterns = (fs: Finding[]) => fs.map((f) => [f.evidence.pattern, (f.ts - T0) / S]);

/** The owner at the office every 2 minutes for `minutes`, from 30 s in. */
function owner(minutes: number, who = clinician()): NormalizedEvent[] {
  return Array.from({ length: minutes / 2 }, (_, i) => at(T0 + 30 * S + i * 2 * MIN, OFFICE, who));
}

describe('token-misuse scattered_token', () => {
  it('finds a token replayed from three VPS addresses in turn while its owner keeps working', () => {
    // Replays at 10, 14, 18, 22 and 26 minutes, rotating over 3 addresses: at 22 minutes the
    // first comes back after two others were used since, and the token has been in 4 places.
    const replays = [10, 14, 18, 22, 26].map((m, i) => at(T0 + m * MIN, VPS[i % 3] as string));
    const found = feed(d, d.createState(), byTime([...owner(40), ...replays]));
    expect(patterns(found)).toEqual([['scattered_token', 22 * 60]]);
    const f = found[0] as Finding;
    expect(f).toMatchObject({ detector: 'token-misuse', owasp: 'API2:2023', severity: 'medium', principal: 'user:c1', sourceIp: VPS[0] });
    expect(f.evidence).toEqual({
      pattern: 'scattered_token',
      confidence: 0.7,
      scope: 'token',
      credentialFingerprint: 'fp_tok1',
      networks: 4,
      minNetworks: 4,
      secondsSinceReturn: 0,
      windowSeconds: 3600,
    });
    expect(f.summary).toBe(
      'one token of user:c1 was used from 4 far-apart networks within 60 minutes, and one of them came back after two others had been used in between: held in several places at once',
    );
  });

  it('reports a token once, and judges another token of the same user afresh', () => {
    const replays = [10, 14, 18, 22, 26, 30, 34].map((m, i) => at(T0 + m * MIN, VPS[i % 4] as string));
    const next = clinician('fp_tok2');
    const later = [70, 74, 78, 82].map((m, i) => at(T0 + m * MIN, [OFFICE, VPS[0], VPS[1], OFFICE][i] as string, next));
    const found = feed(d, d.createState(), byTime([...owner(40), ...replays, ...later]));
    // The first: 4 places by 18 minutes, a 5th at 22, the first VPS back at 26 (one finding only).
    // The second was in 3 places with a return (office, two VPS, office): under 4.
    expect(patterns(found)).toEqual([['scattered_token', 26 * 60]]);
  });

  it('leaves the ways one client moves alone', () => {
    // A phone flapping between its wifi and its carrier all hour: 2 networks.
    const flapping = Array.from({ length: 60 }, (_, i) => at(T0 + i * MIN, i % 2 === 0 ? OFFICE : (VPS[0] as string)));
    // A commute: office, two carrier blocks, home, each for a quarter of an hour: 4 networks, no return.
    const commute = Array.from({ length: 60 }, (_, i) => at(T0 + i * MIN, [OFFICE, VPS[0], VPS[1], VPS[2]][Math.floor(i / 15)] as string));
    // Office, carrier, another carrier block, office again, all hour: 3 networks with a return.
    const walk = Array.from({ length: 60 }, (_, i) => at(T0 + i * MIN, [OFFICE, VPS[0], VPS[1]][Math.floor(i / 5) % 3] as string));
    for (const day of [flapping, commute, walk]) expect(feed(d, d.createState(), day).filter((f) => f.evidence.pattern === 'scattered_token')).toEqual([]);
  });

  it('counts networks within the span only: places an hour apart are one after the other', () => {
    // The same 4 networks with the return, but the first two used over an hour before the rest.
    const spread = [0, 5, 70, 75, 80].map((m, i) => at(T0 + m * MIN, [OFFICE, VPS[0], VPS[1], VPS[2], OFFICE][i] as string));
    expect(feed(d, d.createState(), spread)).toEqual([]);
  });

  it('keeps the spread through a snapshot, and reads rows saved before it existed', () => {
    const replays = [10, 14, 18].map((m, i) => at(T0 + m * MIN, VPS[i % 3] as string));
    const before = byTime([...owner(20), ...replays]);
    const state = d.createState();
    feed(d, state, before);
    const restored = d.createState();
    d.restore(restored, throughStore(d.snapshot(state, 1)));
    expect(restored.tokens.peek('fp_tok1')?.spread).toEqual(state.tokens.peek('fp_tok1')?.spread);
    // Restored, the 4th replay (the first address coming back) raises what it raises unrestored.
    const tail = [at(T0 + 22 * MIN, VPS[0] as string)];
    expect(patterns(feed(d, restored, tail))).toEqual(patterns(feed(d, state, tail)));
    expect(patterns(feed(d, d.createState(), [...before, ...tail]))).toEqual([['scattered_token', 22 * 60]]);
    // A token row written before tokens kept their spread decodes with none, and nothing else changes.
    const t = newTokenState('user:c1');
    const { spread: _, ...old } = encodeToken(t);
    expect(decodeToken(JSON.parse(JSON.stringify(old)), 'user:c1')).toEqual(t);
    expect(decodeToken({ ...old, spread: { wides: [1], returnTs: -1, alerted: false } }, 'user:c1')).toBeUndefined();
  });
});
