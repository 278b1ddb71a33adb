import { fhirExamplePaths } from '../libs/routes/fhir-examples.js';
import { scoreTemplating, type LabelledPath, type TemplatingScore } from '../libs/routes/evaluate.js';
import { generate } from '../services/simulate/simulate.js';
import { createRandom } from './traffic.js';

/**
 * Route templating quality (`npm run eval`, after the detection benchmark): the share of requests
 * whose learned template equals the true one, and how many true endpoints were merged into one
 * template or split into several, on two sets:
 * - the FHIR R4 example resources (npm hl7.fhir.r4.examples): read, vread, history, search,
 *   compartment search and $operations on every example's resourceType/id;
 * - the simulator's traffic (services/simulate), whose true templates come from how the simulator
 *   builds paths (its ids are integers, UUIDs, export job ids and export file names);
 * - a REST API whose ids are plain words (user names, team slugs) beside endpoint words (`me`,
 *   `settings`), dates and base64 tokens: the hard case, where only traffic can tell an id from
 *   an endpoint, so the first requests of a position are templated literally until it is learned.
 */

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The simulator's true template of a path, from its generator's id shapes, never from the templater. */
export function simTruth(path: string): string {
  const segs = path.split('/');
  return segs
    .map((s, i) => (i > 0 && (/^\d+$/.test(s) || UUID_RE.test(s) || segs[i - 1] === 'bulk-files' || segs[i - 2] === 'bulk-files') ? '{id}' : s))
    .join('/');
}

export function simPaths(opts: { seed: number; days: number; scale: number }): LabelledPath[] {
  return generate(opts).requests.map((r) => {
    const q = r.uri.indexOf('?');
    const path = q < 0 ? r.uri : r.uri.slice(0, q);
    return { scope: 'simulated', path, truth: simTruth(path) };
  });
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'ze', 'po', 'da', 'fi'];

/** A word-id REST API, `requests` requests in a seeded order, with true templates. */
export function restWordPaths(seed: number, requests = 5000): LabelledPath[] {
  const rnd = createRandom(seed);
  const word = () => Array.from({ length: rnd.int(2, 4) }, () => rnd.pick(SYLLABLES)).join('');
  const users = Array.from({ length: 300 }, word);
  const teams = Array.from({ length: 40 }, () => `${word()}-${word()}`);
  const scope = 'rest-words';
  const out: LabelledPath[] = [];
  for (let i = 0; i < requests; i++) {
    const user = rnd.pick(users);
    const day = `2026-0${rnd.int(1, 9)}-${String(rnd.int(10, 28))}`;
    const token = Buffer.from(`${user}:${rnd.int(0, 1e9)}`).toString('base64url');
    const choices: [string, string][] = [
      [`/api/v1/users/${user}`, '/api/v1/users/{id}'],
      ['/api/v1/users/me', '/api/v1/users/me'],
      [`/api/v1/users/${user}/settings`, '/api/v1/users/{id}/settings'],
      ['/api/v1/users/me/settings', '/api/v1/users/me/settings'],
      [`/api/v1/teams/${rnd.pick(teams)}/members`, '/api/v1/teams/{id}/members'],
      [`/api/v1/reports/${day}`, '/api/v1/reports/{id}'],
      [`/api/v1/links/${token}`, '/api/v1/links/{id}'],
      [`/api/v1/orders/${rnd.int(1, 99_999)}`, '/api/v1/orders/{id}'],
      ['/api/v1/orders/search', '/api/v1/orders/search'],
    ];
    const [path, truth] = rnd.pick(choices);
    out.push({ scope, path, truth });
  }
  return out;
}

function line(name: string, s: TemplatingScore): string {
  return `${name.padEnd(22)}${String(s.requests).padEnd(10)}${String(s.endpoints).padEnd(11)}${s.accuracy.toFixed(4).padEnd(10)}${String(s.merged).padEnd(8)}${s.split}`;
}

/** The report section: one line per set, then examples of any merge or split. */
export function templatingReport(opts: { seeds: readonly number[]; days: number; scale: number }): string {
  const fhir = scoreTemplating(fhirExamplePaths());
  const words = scoreTemplating(restWordPaths(1));
  const sims = opts.seeds.map((seed) => [seed, scoreTemplating(simPaths({ seed, days: opts.days, scale: opts.scale }))] as const);
  const out = [
    'Route templating (learned template = true template)',
    `${'set'.padEnd(22)}${'requests'.padEnd(10)}${'endpoints'.padEnd(11)}${'accuracy'.padEnd(10)}${'merged'.padEnd(8)}split`,
    line('FHIR R4 examples', fhir),
    line('REST word ids', words),
    ...sims.map(([seed, s]) => line(`simulator seed ${seed}`, s)),
  ];
  for (const [name, s] of [['FHIR R4 examples', fhir] as const, ['REST word ids', words] as const, ...sims.map(([seed, s]) => [`simulator seed ${seed}`, s] as const)]) {
    for (const m of s.mergedExamples) out.push(`  merged (${name}): ${m}`);
    for (const m of s.splitExamples) out.push(`  split (${name}): ${m}`);
  }
  return out.join('\n');
}
