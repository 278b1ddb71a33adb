import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Alert } from '../libs/contracts/index.js';
import type { Store } from '../libs/store/types.js';
import { cliConfig, type CliIo } from '../services/cli/context.js';
import { replay } from '../services/cli/replay.js';
import { openStore } from '../services/core.js';
import { combineScores, formatScore, median, scoreRun, type Score } from '../services/simulate/score.js';
import { SIM_FORMATS, simulateTraffic, type SimFormat } from '../services/simulate/simulate.js';
import { templatingReport } from './eval-templating.js';

/**
 * `npm run eval`: the detection quality benchmark. For each seed: simulate labelled traffic
 * (services/simulate), replay it through the real pipeline into a fresh embedded store, read every
 * alert back and score recall per attack kind, precision and time to detect (docs/simulator.md).
 * Prints figures and exits 0 whatever they are: it is a measurement, not a test.
 *
 *   npm run eval -- [--seeds 1,2,3] [--days 2] [--scale 2] [--format kong|nginx|envoy] [--keep]
 * Seeds cycle through the three formats unless --format is given.
 */
const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1,2,3' },
    days: { type: 'string', default: '2' },
    scale: { type: 'string', default: '2' },
    format: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const seeds = values.seeds.split(',').map((s) => Number(s.trim()));
const days = Number(values.days);
const scale = Number(values.scale);
const forced = values.format as SimFormat | undefined;
if (seeds.some((s) => !Number.isInteger(s) || s < 0) || !Number.isInteger(days) || days < 1 || !(scale > 0) || (forced !== undefined && !SIM_FORMATS.includes(forced))) {
  process.stderr.write('eval: --seeds takes integers, --days a positive integer, --scale a positive number, --format kong|nginx|envoy\n');
  process.exit(2);
}

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
    const io: CliIo = { out: () => undefined, err: () => undefined, env: { VIGIL_TOKENIZATION_KEY: TOKENIZATION_KEY }, tty: false };
    const flags = { 'data-dir': join(dir, 'data'), format };
    const summary = await replay(io, flags, [sim.trafficFile]);
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
      `seed ${seed} (${format}): ${sim.records} records in ${simSeconds.toFixed(1)} s; replay ${summary.events} events, ${summary.deadLetters} dead letters, ` +
        `${summary.seconds.toFixed(1)} s; ${alerts.length} alerts; ${detected}/${attacks} attacks detected` +
        (values.keep ? `; kept in ${dir}` : ''),
    );
    return score;
  } finally {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
}

const started = performance.now();
const scores: Score[] = [];
for (const [i, seed] of seeds.entries()) scores.push(await runSeed(seed, forced ?? (SIM_FORMATS[i % SIM_FORMATS.length] as SimFormat)));
const total = combineScores(scores);
console.log(`\nVigil detection benchmark: ${seeds.length} seeds (${seeds.join(', ')}) x ${days} days, scale ${scale}\n`);
console.log(formatScore(total));
const ttd = median(Object.values(total.perKind).flatMap((k) => k.ttdSeconds));
console.log(`\ntargets: recall >= 0.95, precision >= 0.9, median time to detect <= 60 s${ttd === undefined ? '' : ` (now ${Math.round(ttd)} s)`}, 0 alerts on the benign populations`);
// Route templating accuracy (scripts/eval-templating.ts): FHIR R4 examples and the same seeds' traffic.
console.log(`\n${templatingReport({ seeds, days, scale })}`);
console.log(`eval took ${((performance.now() - started) / 1000).toFixed(1)} s`);
