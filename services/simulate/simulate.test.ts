import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseLine } from '../../libs/adapters/index.js';
import { loadConfig } from '../../libs/config/index.js';
import type { NormalizedEvent } from '../../libs/contracts/index.js';
import { createTokenizer } from '../../libs/privacy/index.js';
import { createRouteTemplater } from '../../libs/routes/index.js';
import { createRandom } from '../../scripts/traffic.js';
import { createNormalizer } from '../ingest/normalize.js';
import { DAY } from './clock.js';
import { ATTACK_DETECTORS, ATTACK_KINDS, LabelSchema, PopulationSchema } from './labels.js';
import { drawParams } from './params.js';
import { generate, SIM_FORMATS, simulateTraffic } from './simulate.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-sim-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SMALL = { days: 2, scale: 0.3 };

function normalizeFile(file: string, format: 'kong' | 'nginx' | 'envoy'): { events: NormalizedEvent[]; deadLetters: string[] } {
  const normalize = createNormalizer(loadConfig({ env: {} }), { tokenizer: createTokenizer(Buffer.alloc(32, 3)), templater: createRouteTemplater() });
  const events: NormalizedEvent[] = [];
  const deadLetters: string[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .forEach((line, i) => {
      const out = parseLine(line, format);
      if (out.kind !== 'ok') deadLetters.push(`${i + 1}: ${out.reason}`);
      else for (const ev of out.events) events.push(normalize(ev, { eventId: String(i), source: out.format }));
    });
  return { events, deadLetters };
}

describe('simulateTraffic', () => {
  it('writes identical files for the same seed and different traffic for another seed', () => {
    const a = simulateTraffic({ outDir: join(dir, 'a'), seed: 42, format: 'kong', ...SMALL });
    const b = simulateTraffic({ outDir: join(dir, 'b'), seed: 42, format: 'kong', ...SMALL });
    const c = simulateTraffic({ outDir: join(dir, 'c'), seed: 43, format: 'kong', ...SMALL });
    expect(readFileSync(b.trafficFile, 'utf8')).toBe(readFileSync(a.trafficFile, 'utf8'));
    expect(readFileSync(b.labelsFile, 'utf8')).toBe(readFileSync(a.labelsFile, 'utf8'));
    expect(readFileSync(b.populationFile, 'utf8')).toBe(readFileSync(a.populationFile, 'utf8'));
    expect(readFileSync(c.trafficFile, 'utf8')).not.toBe(readFileSync(a.trafficFile, 'utf8'));
  });

  it.each(SIM_FORMATS)('writes %s records that the adapters parse with zero dead letters, in time order', (format) => {
    const r = simulateTraffic({ outDir: join(dir, format), seed: 7, format, ...SMALL });
    const { events, deadLetters } = normalizeFile(r.trafficFile, format);
    expect(deadLetters).toEqual([]);
    expect(events.length).toBe(r.records);
    expect(events.every((e, i) => i === 0 || e.ts >= (events[i - 1] as NormalizedEvent).ts)).toBe(true);
    expect(events[0]!.ts).toBeGreaterThanOrEqual(Date.parse(r.population.start));
    expect(events.at(-1)!.ts).toBeLessThan(Date.parse(r.population.end));
  });

  it('labels every attack with the principal or address Vigil derives from the records it wrote', () => {
    const r = simulateTraffic({ outDir: join(dir, 'labels'), seed: 11, format: 'nginx', ...SMALL });
    const labels = readFileSync(r.labelsFile, 'utf8').trim().split('\n').map((l) => LabelSchema.parse(JSON.parse(l)));
    const population = PopulationSchema.parse(JSON.parse(readFileSync(r.populationFile, 'utf8')));
    expect(labels).toEqual(r.labels);
    const perKind = population.params.attacksPerKind as number;
    expect(labels.length).toBe(ATTACK_KINDS.length * perKind);
    const { events } = normalizeFile(r.trafficFile, 'nginx');
    for (const l of labels) {
      expect(l.detector).toBe(ATTACK_DETECTORS[l.kind]);
      expect(l.principal !== undefined || l.ip !== undefined).toBe(true);
      // After the learning day.
      expect(Date.parse(l.start)).toBeGreaterThanOrEqual(Date.parse(population.start) + DAY);
      const start = Date.parse(l.start);
      const end = Date.parse(l.end);
      const during = events.filter((e) => e.ts >= start && e.ts <= end);
      if (l.principal !== undefined) expect(during.filter((e) => e.principal.id === l.principal).length, l.id).toBeGreaterThan(0);
      if (l.ip !== undefined) expect(during.filter((e) => e.clientIp === l.ip).length, l.id).toBeGreaterThan(0);
      // The first request of the attack is the culprit's (an account takeover starts with the attacker's failed logins).
      const culprit = during.filter((e) => e.principal.id === l.principal || e.clientIp === l.ip);
      expect(Math.min(...culprit.map((e) => e.ts)), l.id).toBe(start);
    }
  });

  it('tags exactly the requests each label spans', () => {
    const g = generate({ seed: 5, ...SMALL });
    for (const l of g.labels) {
      const tagged = g.requests.filter((q) => q.attack === l.id).map((q) => q.at);
      expect(tagged.length, l.id).toBeGreaterThan(0);
      expect(new Date(Math.min(...tagged)).toISOString()).toBe(l.start);
      expect(new Date(Math.max(...tagged)).toISOString()).toBe(l.end);
    }
    expect(g.requests.filter((q) => q.attack !== undefined && !g.labels.some((l) => l.id === q.attack))).toEqual([]);
  });

  it('produces a plausible volume: mostly benign traffic, every population active', () => {
    const g = generate({ seed: 3, days: 2, scale: 1 });
    expect(g.requests.length).toBeGreaterThan(20_000);
    expect(g.requests.length).toBeLessThan(120_000);
    const attack = g.requests.filter((q) => q.attack !== undefined).length;
    expect(attack / g.requests.length).toBeLessThan(0.1);
    const auth = (q: (typeof g.requests)[number]) => q.headers?.authorization ?? '';
    const subs = new Set(g.requests.map((q) => auth(q)).filter((a) => a !== '').map((a) => JSON.parse(Buffer.from(a.split('.')[1] as string, 'base64url').toString()) as { sub: string }).map((c) => c.sub));
    for (const group of ['clinicians', 'billing', 'exportServices', 'syncServices'] as const) {
      for (const principal of g.groups[group]) expect(subs.has(principal.replace(/^(user|app):/, '')), principal).toBe(true);
    }
    expect(g.requests.filter((q) => q.uri === '/oauth2/token' && q.status === 401 && q.attack === undefined).length).toBeGreaterThan(0);
  });

  it('draws different populations and rates for different seeds', () => {
    const drawn = [1, 2, 3, 4, 5].map((s) => drawParams(createRandom(s), 1));
    expect(new Set(drawn.map((p) => p.clinicians)).size).toBeGreaterThan(1);
    expect(new Set(drawn.map((p) => p.tzOffsetHours)).size).toBeGreaterThan(1);
    expect(new Set(drawn.map((p) => p.panelSize.join('-'))).size).toBeGreaterThan(1);
  });
});
