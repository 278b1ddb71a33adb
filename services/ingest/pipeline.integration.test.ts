import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../libs/config/index.js';
import type { Config } from '../../libs/contracts/index.js';
import { createLogger } from '../../libs/log/index.js';
import { createRandom, kongRecord } from '../../scripts/traffic.js';
import { createCore } from '../core.js';
import { createOrdinals } from './ordinals.js';

const dirs: string[] = [];
const logger = createLogger({ level: 'silent' });
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const rnd = createRandom(3);
const at = Date.UTC(2026, 10, 3, 9, 0, 0);
const good = (n: number) => kongRecord({ at: at + n * 1000, method: 'GET', uri: `/fhir/Patient/${n}`, status: 200, clientIp: '10.1.1.1' }, rnd);
const combined = '203.0.113.9 - - [03/Nov/2026:09:00:00 +0000] "GET /api/v1/claims/77 HTTP/1.1" 200 512 "-" "curl/8.5.0"';

async function run(config: Config, lines: string[]) {
  const core = await createCore(config, { logger });
  const ordinals = createOrdinals();
  const at = (i: number) => ({ source: 'test.log', position: String(i + 1) });
  if (config.ingest.parseWorker) {
    const prepared = await core.pipeline.preparer.lines(lines.map((line) => ({ line })), 'auto');
    lines.forEach((line, i) => core.pipeline.processPrepared(prepared[i] ?? { blank: true, items: [] }, line, at(i), ordinals));
  } else {
    lines.forEach((line, i) => core.pipeline.processLine(line, at(i), 'auto', ordinals));
  }
  await core.pipeline.flush();
  const result = {
    counts: core.pipeline.counts(),
    events: await core.store.countEvents(),
    deadLetters: await core.store.deadLetterCount(),
    restored: core.baselinesRestored,
    snapshot: core.detectors.snapshot(1).length,
  };
  await core.close();
  return result;
}

describe.each([
  ['on a prepare worker', 'true'],
  ['on one thread', 'false'],
])('pipeline into the embedded store, parsing %s', (_, parseWorker) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-pipeline-'));
  dirs.push(dataDir);
  const config = loadConfig({ env: { VIGIL_DATA_DIR: dataDir, VIGIL_TOKENIZATION_KEY: 'b2'.repeat(32), VIGIL_INGEST_PARSE_WORKER: parseWorker } });

  const lines = [
    JSON.stringify([good(1), { request: { method: 'GET' } }, good(2)]),
    combined,
    combined,
    '',
    'not a log line',
  ];

  it('keeps the good elements of a batch line, dead-letters the bad one, and keeps identical lines apart', async () => {
    const r = await run(config, lines);
    // One finding: the inventory's API2 alert for /fhir/Patient/{id} answering 200 without any credential.
    expect(r.counts).toEqual({ lines: 4, events: 4, deadLetters: 2, findings: 1 });
    expect(r.restored).toBe(0);
    expect(r.events).toBe(4);
    expect(r.deadLetters).toBe(2);
  });

  it('writes no new events when the same input is replayed, and restores what detectors learned', async () => {
    const r = await run(config, lines);
    expect(r.counts.events).toBe(4);
    expect(r.events).toBe(4);
    // The first run's close saved the learned baselines; this start restored every row of them.
    expect(r.snapshot).toBeGreaterThan(0);
    expect(r.restored).toBe(r.snapshot);
  });
});
