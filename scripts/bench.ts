import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLine } from '../libs/adapters/index.js';
import { loadConfig } from '../libs/config/index.js';
import { createTokenizer } from '../libs/privacy/index.js';
import { createRouteTemplater } from '../libs/routes/index.js';
import { createDetectorRuntime } from '../detectors/framework.js';
import { createDetectors } from '../services/registry.js';
import { createNormalizer, eventIdFor } from '../services/ingest/normalize.js';
import { replay } from '../services/cli/replay.js';
import { hospitalScenario } from './scenario.js';

/**
 * `npm run bench`: events/s through parse -> normalize -> detect in memory (one thread, so per
 * core), and through `vigil replay` into the embedded ClickHouse (chDB). Prints figures; asserts nothing.
 */
const clinicians = Number(process.env.BENCH_CLINICIANS ?? 3000);
const lines = [...hospitalScenario({ seed: 11, start: Date.UTC(2026, 10, 2, 8), minutes: 45, clinicians, attacks: true })];
const avgBytes = Math.round(lines.reduce((n, l) => n + Buffer.byteLength(l), 0) / lines.length);

const cpu = cpus();
console.log(`machine: ${cpu[0]?.model ?? 'unknown'}, ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
console.log(`input: ${lines.length} Kong http-log lines, ${avgBytes} bytes on average`);

function inMemory(): { eventsPerSec: number; findings: number } {
  const config = loadConfig({ env: {} });
  const normalize = createNormalizer(config, { tokenizer: createTokenizer(Buffer.alloc(32, 7)), templater: createRouteTemplater() });
  const detectors = createDetectorRuntime(createDetectors(config));
  let events = 0;
  let findings = 0;
  const t0 = performance.now();
  for (const line of lines) {
    const out = parseLine(line, 'auto');
    if (out.kind !== 'ok') continue;
    for (const ev of out.events) {
      const n = normalize(ev, { eventId: eventIdFor(line, 0), source: out.format });
      findings += detectors.detect(n).length;
      events++;
    }
  }
  const s = (performance.now() - t0) / 1000;
  return { eventsPerSec: Math.round(events / s), findings };
}

// Warm the JIT once, then measure three runs and report each.
inMemory();
const runs = [inMemory(), inMemory(), inMemory()];
console.log(`in-memory parse -> normalize -> detect: ${runs.map((r) => r.eventsPerSec.toLocaleString('en-US')).join(', ')} events/s (1 thread; ${runs[0]?.findings} findings per run)`);

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
const file = join(dir, 'kong.log');
writeFileSync(file, `${lines.join('\n')}\n`);
const silent = { out: () => undefined, err: () => undefined, env: { VIGIL_LOG_LEVEL: 'warn' }, tty: false };
const summary = await replay(silent, { 'data-dir': join(dir, 'data') }, [file]);
console.log(
  `replay into embedded ClickHouse (chDB): ${Math.round(summary.events / summary.seconds).toLocaleString('en-US')} events/s ` +
    `(${summary.events} events, ${summary.alertsCreated} alerts, ${summary.seconds.toFixed(2)} s)`,
);
rmSync(dir, { recursive: true, force: true });
