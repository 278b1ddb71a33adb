import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Alert } from '../libs/contracts/index.js';
import type { Store } from '../libs/store/types.js';
import { cliConfig, type CliIo } from '../services/cli/context.js';
import { replay } from '../services/cli/replay.js';
import { openStore } from '../services/core.js';
import { alertMatchesLabel, combineScores, formatScore, median, scoreRun, type Score } from '../services/simulate/score.js';
import type { Label } from '../services/simulate/labels.js';
import { completionOrder } from '../services/simulate/completion-order.js';
import { resend } from '../services/simulate/resend.js';
import { SIM_FORMATS, simulateTraffic, type SimFormat } from '../services/simulate/simulate.js';
import { templatingReport } from './eval-templating.js';

/**
 * `npm run eval`: the detection quality benchmark. For each seed: simulate labelled traffic
 * (services/simulate), replay it through the real pipeline into a fresh embedded store, read every
 * alert back and score recall per attack kind, precision and time to detect (docs/simulator.md).
 * Prints figures and exits 0 whatever they are: it is a measurement, not a test.
 *
 *   npm run eval -- [--seeds 1,2,3] [--days 2] [--scale 2] [--format kong|nginx|envoy] [--completion-order] [--resend N] [--no-dedup] [--keep] [--detail] [--no-templating]
 * Seeds cycle through the three formats unless --format is given. `--detail` lists every attack with
 * its time to detect (or MISSED) and the expected detector's alerts on its principal, and every alert
 * matching no attack, to study misses and false positives;
 * `--no-templating` skips the route templating report. `--completion-order` gives requests realistic
 * latencies and writes Kong and Envoy lines in the order they completed, as gateways do
 * (services/simulate/completion-order.ts): event times then arrive out of order. `--resend N` sends
 * the last N lines again after every 20,000, as an at-least-once log shipper does after restarts
 * (services/simulate/resend.ts). `--no-dedup` turns off the memory of recent event ids
 * (VIGIL_INGEST_DEDUP_EVENTS=0), so re-sent copies reach the detectors: what they do with copies
 * older than that memory, or with lines that name no request.
 */
const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1,2,3' },
    days: { type: 'string', default: '2' },
    scale: { type: 'string', default: '2' },
    format: { type: 'string' },
    keep: { type: 'boolean', default: false },
    detail: { type: 'boolean', default: false },
    'no-templating': { type: 'boolean', default: false },
    'completion-order': { type: 'boolean', default: false },
    resend: { type: 'string', default: '0' },
    'no-dedup': { type: 'boolean', default: false },
  },
});
const seeds = values.seeds.split(',').map((s) => Number(s.trim()));
const days = Number(values.days);
const scale = Number(values.scale);
const forced = values.format as SimFormat | undefined;
const resent = Number(values.resend);
if (seeds.some((s) => !Number.isInteger(s) || s < 0) || !Number.isInteger(days) || days < 1 || !(scale > 0) || (forced !== undefined && !SIM_FORMATS.includes(forced)) || !Number.isInteger(resent) || resent < 0) {
  process.stderr.write('eval: --seeds takes integers, --days a positive integer, --scale a positive number, --format kong|nginx|envoy, --resend a whole number\n');
  process.exit(2);
}

/** `--resend`: lines between two restarts of the simulated log shipper. */
const RESEND_EVERY = 20_000;

/** One key for every run: tokens only compare under one key, and runs must be reproducible. */
const TOKENIZATION_KEY = 'e7'.repeat(32);

async function allAlerts(store: Store): Promise<Alert[]> {
  const out: Alert[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listAlerts({ limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
    out.push(...page.alerts);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return out;
}

async function runSeed(seed: number, format: SimFormat): Promise<Score> {
  const dir = mkdtempSync(join(tmpdir(), `vigil-eval-${seed}-`));
  try {
    const t0 = performance.now();
    const sim = simulateTraffic({ outDir: join(dir, 'sim'), days, seed, format, scale });
    const simSeconds = (performance.now() - t0) / 1000;
    const io: CliIo = { out: () => undefined, err: () => undefined, env: { VIGIL_TOKENIZATION_KEY: TOKENIZATION_KEY, ...(values['no-dedup'] ? { VIGIL_INGEST_DEDUP_EVENTS: '0' } : {}) }, tty: false };
    const flags = { 'data-dir': join(dir, 'data'), format };
    let trafficFile = sim.trafficFile;
    if (values['completion-order'] || resent > 0) {
      trafficFile = join(dir, 'delivered.log');
      let lines = readFileSync(sim.trafficFile, 'utf8').split('\n').filter((l) => l !== '');
      if (values['completion-order']) lines = completionOrder(lines, format, seed);
      if (resent > 0) lines = resend(lines, RESEND_EVERY, resent);
      writeFileSync(trafficFile, `${lines.join('\n')}\n`);
    }
    const summary = await replay(io, flags, [trafficFile]);
    const { config, logger } = cliConfig(io, flags, true);
    const store = await openStore(config, logger);
    let alerts: Alert[];
    try {
      alerts = await allAlerts(store);
    } finally {
      await store.close();
    }
    const score = scoreRun(sim.labels, alerts, sim.population.groups);
    const attacks = sim.labels.length;
    const detected = Object.values(score.perKind).reduce((n, k) => n + k.detected, 0);
    console.log(
      `seed ${seed} (${format}): ${sim.records} records in ${simSeconds.toFixed(1)} s; replay ${summary.events} events, ${summary.deadLetters} dead letters, ${summary.duplicates} duplicates, ` +
        `${summary.seconds.toFixed(1)} s; ${alerts.length} alerts; ${detected}/${attacks} attacks detected` +
        (values.keep ? `; kept in ${dir}` : ''),
    );
    if (values.detail) console.log(attackDetail(sim.labels, alerts));
    if (values.detail) for (const a of alerts.filter((x) => !sim.labels.some((l) => alertMatchesLabel(x, l)))) console.log(`  unmatched ${a.detector} ${a.principal} ${a.firstSeen}: ${a.summary.slice(0, 200)}`);
    return score;
  } finally {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
}

/** One line per attack: kind, id, time to detect by its expected detector (or MISSED), and that detector's alerts on the same principal. */
function attackDetail(labels: readonly Label[], alerts: readonly Alert[]): string {
  return labels
    .map((l) => {
      const mine = alerts.filter((a) => a.detector === l.detector && alertMatchesLabel(a, { ...l, start: '1970-01-01T00:00:00.000Z', end: '9999-01-01T00:00:00.000Z' }));
      const hits = mine.filter((a) => alertMatchesLabel(a, l));
      const ttd = hits.length === 0 ? 'MISSED' : `${Math.round(Math.max(0, Math.min(...hits.map((a) => Date.parse(a.firstSeen))) - Date.parse(l.start)) / 1000)} s`;
      const others = mine.map((a) => `${a.firstSeen.slice(11, 19)} ${a.summary.slice(0, 160)}`).join(' | ');
      return `  ${l.kind.padEnd(21)} ${l.id.padEnd(24)} ${l.principal ?? `ip:${l.ip ?? ''}`} ${l.start.slice(11, 19)}-${l.end.slice(11, 19)} ${ttd}${others === '' ? '' : `  [${others}]`}`;
    })
    .join('\n');
}

const started = performance.now();
const scores: Score[] = [];
for (const [i, seed] of seeds.entries()) scores.push(await runSeed(seed, forced ?? (SIM_FORMATS[i % SIM_FORMATS.length] as SimFormat)));
const total = combineScores(scores);
console.log(`\nVigil detection benchmark: ${seeds.length} seeds (${seeds.join(', ')}) x ${days} days, scale ${scale}${values['completion-order'] ? ', lines in completion order' : ''}${resent > 0 ? `, the last ${resent} lines sent again every ${RESEND_EVERY}` : ''}${values['no-dedup'] ? ', no memory of recent event ids' : ''}\n`);
console.log(formatScore(total));
const ttd = median(Object.values(total.perKind).flatMap((k) => k.ttdSeconds));
console.log(`\ntargets: recall >= 0.95, precision >= 0.9, median time to detect <= 60 s${ttd === undefined ? '' : ` (now ${Math.round(ttd)} s)`}, 0 alerts on the benign populations`);
// Route templating accuracy (scripts/eval-templating.ts): FHIR R4 examples and the same seeds' traffic.
if (!values['no-templating']) console.log(`\n${templatingReport({ seeds, days, scale })}`);
console.log(`eval took ${((performance.now() - started) / 1000).toFixed(1)} s`);
