import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLine } from '../libs/adapters/index.js';
import { loadConfig } from '../libs/config/index.js';
import { createTokenizer } from '../libs/privacy/index.js';
import { createRouteTemplater } from '../libs/routes/index.js';
import { createDetectorRuntime, type Detector } from '../detectors/framework.js';
import { createExfilDetector } from '../detectors/data-exfiltration/index.js';
import { createRateDetector } from '../detectors/rate/index.js';
import { createScrapingDetector } from '../detectors/scraping/index.js';
import { PRINCIPAL_BUDGET_BYTES } from '../libs/baseline/index.js';
import { detectorBytes, runtimeMarginalBytes } from '../detectors/budget.js';
import type { NormalizedEvent } from '../libs/contracts/index.js';
import { createDetectors } from '../services/registry.js';
import { createNormalizer, eventIdFor } from '../services/ingest/normalize.js';
import { replay } from '../services/cli/replay.js';
import { hospitalScenario } from './scenario.js';

/**
 * `npm run bench`: events/s through parse -> normalize -> detect in memory (one thread, so per
 * core), and through `vigil replay` into the embedded ClickHouse (chDB). Prints figures; asserts nothing.
 */
const clinicians = Number(process.env.BENCH_CLINICIANS ?? 3000);
// NOTE: re-read from UTF-8 bytes, as a file or a Kafka message arrives: the generator's strings are
// built by JSON.stringify out of pieces, and V8 would bill flattening each one to the parser.
const lines = [...hospitalScenario({ seed: 11, start: Date.UTC(2026, 10, 2, 8), minutes: 45, clinicians, attacks: true })].map((l) =>
  Buffer.from(l, 'utf8').toString('utf8'),
);
const avgBytes = Math.round(lines.reduce((n, l) => n + Buffer.byteLength(l), 0) / lines.length);

const cpu = cpus();
console.log(`machine: ${cpu[0]?.model ?? 'unknown'}, ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
console.log(`input: ${lines.length} Kong http-log lines, ${avgBytes} bytes on average`);
// Other work on the machine slows every figure below: print the load so runs can be compared.
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
console.log(`load average at start: ${load()}`);
/** Process CPU (all threads: chDB's too) per event, µs: less sensitive to a busy machine than events/s. */
const cpuPerEvent = (since: NodeJS.CpuUsage, events: number) => {
  const u = process.cpuUsage(since);
  return ((u.user + u.system) / events).toFixed(1);
};

function inMemory(): { eventsPerSec: number; findings: number; cpuUs: string } {
  const config = loadConfig({ env: {} });
  const normalize = createNormalizer(config, { tokenizer: createTokenizer(Buffer.alloc(32, 7)), templater: createRouteTemplater() });
  const detectors = createDetectorRuntime(createDetectors(config));
  let events = 0;
  let findings = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
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
  return { eventsPerSec: Math.round(events / s), findings, cpuUs: cpuPerEvent(c0, events) };
}

// Warm the JIT once, then measure three runs and report each.
inMemory();
const runs = [inMemory(), inMemory(), inMemory()];
console.log(
  `in-memory parse -> normalize -> detect: ${runs.map((r) => r.eventsPerSec.toLocaleString('en-US')).join(', ')} events/s ` +
    `(1 thread; ${runs.map((r) => r.cpuUs).join(', ')} µs CPU/event; ${runs[0]?.findings} findings per run)`,
);

/** The registry's detectors, plus the volume detectors until they are listed there (by name, once). */
function allDetectors(): Detector[] {
  const listed = createDetectors(loadConfig({ env: {} }));
  const extra: Detector[] = [createRateDetector(), createExfilDetector(), createScrapingDetector()] as Detector[];
  return [...listed, ...extra.filter((d) => !listed.some((l) => l.name === d.name))];
}

function normalizedEvents(): NormalizedEvent[] {
  const config = loadConfig({ env: {} });
  const normalize = createNormalizer(config, { tokenizer: createTokenizer(Buffer.alloc(32, 7)), templater: createRouteTemplater() });
  const out: NormalizedEvent[] = [];
  for (const line of lines) {
    const parsed = parseLine(line, 'auto');
    if (parsed.kind !== 'ok') continue;
    for (const ev of parsed.events) out.push(normalize(ev, { eventId: eventIdFor(line, 0), source: parsed.format }));
  }
  return out;
}

// Detector cost per event: each detector alone over the same normalized events (warm run first).
const normalized = normalizedEvents();
for (const d of allDetectors()) {
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const state = d.createState();
    const t0 = performance.now();
    for (const e of normalized) d.detect(e, state);
    best = Math.min(best, ((performance.now() - t0) * 1000) / normalized.length);
  }
  console.log(`detector ${d.name}: ${best.toFixed(2)} µs/event (best of 3 over ${normalized.length} events)`);
}

// Bytes per principal at 100k distinct principals (detectors/budget.ts: the traffic and the measure
// detectors/budget.test.ts holds to the budget), each detector alone, then all in one runtime.
const PRINCIPALS = 100_000;
for (const d of allDetectors()) {
  const r = detectorBytes(d, PRINCIPALS, normalized);
  console.log(
    `detector ${d.name}: ${Math.round(r.total).toLocaleString('en-US')} bytes/principal, ` +
      `${Math.round(r.outside).toLocaleString('en-US')} outside capped sets, at ${PRINCIPALS.toLocaleString('en-US')} principals (heap after GC)`,
  );
}
{
  const config = loadConfig({ env: {} });
  const r = runtimeMarginalBytes(() => createDetectors(config), PRINCIPALS / 2, normalized);
  console.log(
    `all detectors in one runtime: ${Math.round(r.total).toLocaleString('en-US')} bytes/principal, ` +
      `${Math.round(r.outside).toLocaleString('en-US')} outside capped sets (marginal, ${(PRINCIPALS / 2).toLocaleString('en-US')} -> ${((PRINCIPALS * 3) / 2).toLocaleString('en-US')} principals; budget ${PRINCIPAL_BUDGET_BYTES.toLocaleString('en-US')})`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
const file = join(dir, 'kong.log');
writeFileSync(file, `${lines.join('\n')}\n`);
// VIGIL_INGEST_PARSE_WORKER=false measures replay with parsing on the main thread (default: a worker).
const parseWorker = process.env.VIGIL_INGEST_PARSE_WORKER ?? 'true';
const silent = { out: () => undefined, err: () => undefined, env: { VIGIL_LOG_LEVEL: 'warn', VIGIL_INGEST_PARSE_WORKER: parseWorker }, tty: false };
const replayCpu = process.cpuUsage();
const summary = await replay(silent, { 'data-dir': join(dir, 'data') }, [file]);
console.log(
  `replay into embedded ClickHouse (chDB), parsing ${parseWorker === 'false' ? 'on the main thread' : 'on a worker thread'}: ${Math.round(summary.events / summary.seconds).toLocaleString('en-US')} events/s ` +
    `(${summary.events} events, ${summary.alertsCreated} alerts, ${summary.seconds.toFixed(2)} s, ` +
    `${cpuPerEvent(replayCpu, summary.events)} µs process CPU/event incl. engine start)`,
);
console.log(`load average at end: ${load()}`);
rmSync(dir, { recursive: true, force: true });
