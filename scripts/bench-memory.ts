import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The in-memory loop of `npm run bench` (parse -> normalize -> detect, one thread) alone, over the
 * build in DIST (default: this one's), for comparing two builds by `npm run bench:ab`.
 *
 *   node dist/scripts/bench-memory.js [DIST]
 *
 * Prints one JSON line: microseconds per event of each run after a warm-up, and their median.
 * NOTE: modules are loaded from DIST by path, so a build of an older head (a worktree) runs its own
 * code on the same input; the input comes from DIST's generator too, which older heads also have.
 */
const dist = resolve(process.argv[2] ?? resolve(import.meta.dirname, '..'));
const runs = Number(process.env.BENCH_RUNS ?? 5);
const clinicians = Number(process.env.BENCH_CLINICIANS ?? 3000);
const load = async <T>(path: string): Promise<T> => (await import(pathToFileURL(resolve(dist, path)).href)) as T;

const { parseLine } = await load<typeof import('../libs/adapters/index.js')>('libs/adapters/index.js');
const { loadConfig } = await load<typeof import('../libs/config/index.js')>('libs/config/index.js');
const { createTokenizer } = await load<typeof import('../libs/privacy/index.js')>('libs/privacy/index.js');
const { createRouteTemplater } = await load<typeof import('../libs/routes/index.js')>('libs/routes/index.js');
const { createDetectorRuntime } = await load<typeof import('../detectors/framework.js')>('detectors/framework.js');
const { createDetectors } = await load<typeof import('../services/registry.js')>('services/registry.js');
const { createNormalizer, eventIdFor } = await load<typeof import('../services/ingest/normalize.js')>('services/ingest/normalize.js');
const { hospitalScenario } = await load<typeof import('./scenario.js')>('scripts/scenario.js');

// Re-read from UTF-8 bytes, as a file or a Kafka message arrives (bench.ts says why).
const lines = [...hospitalScenario({ seed: 11, start: Date.UTC(2026, 10, 2, 8), minutes: 45, clinicians, attacks: true })].map((l) =>
  Buffer.from(l, 'utf8').toString('utf8'),
);
const config = loadConfig({ env: {} });

function run(): number {
  const normalize = createNormalizer(config, { tokenizer: createTokenizer(Buffer.alloc(32, 7)), templater: createRouteTemplater() });
  const detectors = createDetectorRuntime(createDetectors(config));
  let events = 0;
  const t0 = performance.now();
  for (const line of lines) {
    const out = parseLine(line, 'auto');
    if (out.kind !== 'ok') continue;
    for (const ev of out.events) {
      detectors.detect(normalize(ev, { eventId: eventIdFor(line, 0), source: out.format }));
      events++;
    }
  }
  return ((performance.now() - t0) * 1000) / events;
}

run(); // warm-up: the JIT, not measured
const us = Array.from({ length: runs }, run);
const sorted = [...us].sort((a, b) => a - b);
const round2 = (n: number) => Math.round(n * 100) / 100;
console.log(JSON.stringify({ dist, events: lines.length, usPerEvent: us.map(round2), median: round2(sorted[Math.floor(sorted.length / 2)] ?? NaN) }));
