import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { redactRaw } from '../../libs/adapters/index.js';
import { loadConfig } from '../../libs/config/index.js';
import type { Config } from '../../libs/contracts/index.js';
import { createLogger } from '../../libs/log/index.js';
import { openDb } from '../../libs/store/db.js';
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
    expect(r.counts).toEqual({ lines: 4, events: 4, deadLetters: 2, findings: 1, duplicates: 0 });
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

describe.each([
  ['on a prepare worker', 'true'],
  ['on one thread', 'false'],
])('events stamped in the future, parsing %s', (_, parseWorker) => {
  it('dead-letters an event stamped beyond VIGIL_INGEST_MAX_FUTURE_SECONDS ahead of the clock, with its line and why, and keeps the rest', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-future-'));
    dirs.push(dataDir);
    const env = { VIGIL_DATA_DIR: dataDir, VIGIL_TOKENIZATION_KEY: 'b3'.repeat(32), VIGIL_INGEST_PARSE_WORKER: parseWorker, VIGIL_INGEST_MAX_FUTURE_SECONDS: '600' };
    const config = loadConfig({ env });
    // Whole seconds, so the reason's figures are exact whatever the test's own duration (< 1 h).
    const now = Math.floor(Date.now() / 1000) * 1000;
    const line = (t: number, n: number) => JSON.stringify(kongRecord({ at: t, method: 'GET', uri: `/fhir/Patient/${n}`, status: 200, clientIp: '10.1.1.2' }, rnd));
    const ahead = now + 36 * 3600 * 1000; // a gateway whose clock is a day and a half fast
    const lines = [line(now - 60_000, 1), line(now + 120_000, 2), line(ahead, 3)];
    const r = await run(config, lines);
    expect(r.counts).toEqual({ lines: 3, events: 2, deadLetters: 1, findings: 1, duplicates: 0 });
    expect([r.events, r.deadLetters]).toEqual([2, 1]);

    const db = await openDb({ clickhouse: config.clickhouse, dataDir }, logger);
    try {
      const dead = await db.query<{ source: string; position: string; format: string; reason: string; raw: string }>(
        'SELECT source, position, format, reason, raw FROM {db}.dead_letters',
      );
      expect(dead).toHaveLength(1);
      const seconds = Number(/is (\d+) s ahead/.exec(dead[0]?.reason ?? '')?.[1]);
      // The check ran within the test, so between 36 h minus its duration and 36 h.
      expect(seconds).toBeGreaterThan(36 * 3600 - 3600);
      expect(seconds).toBeLessThanOrEqual(36 * 3600);
      expect(dead[0]).toEqual({
        source: 'test.log',
        position: '3',
        format: 'kong',
        reason:
          `event time ${new Date(ahead).toISOString()} is ${seconds} s ahead of this machine's clock ` +
          "(more than VIGIL_INGEST_MAX_FUTURE_SECONDS=600): the gateway's clock or time zone is wrong",
        // Redacted as every dead letter is (ids and secrets out), the rest of the line kept.
        raw: redactRaw(lines[2] ?? ''),
      });
      expect(dead[0]?.raw).toContain('"started_at":' + String(ahead));
    } finally {
      await db.close();
    }
  });

  it('lets every event in with the check off (0)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-future-off-'));
    dirs.push(dataDir);
    const config = loadConfig({ env: { VIGIL_DATA_DIR: dataDir, VIGIL_TOKENIZATION_KEY: 'b4'.repeat(32), VIGIL_INGEST_PARSE_WORKER: parseWorker, VIGIL_INGEST_MAX_FUTURE_SECONDS: '0' } });
    const far = Date.now() + 400 * 24 * 3600 * 1000;
    const r = await run(config, [JSON.stringify(kongRecord({ at: far, method: 'GET', uri: '/fhir/Patient/9', status: 200, clientIp: '10.1.1.3' }, rnd))]);
    expect([r.counts.events, r.counts.deadLetters, r.events, r.deadLetters]).toEqual([1, 0, 1, 0]);
  });
});

describe.each([
  ['on a prepare worker', 'true'],
  ['on one thread', 'false'],
])('lines delivered twice, parsing %s', (_, parseWorker) => {
  const request = (n: number) => good(n); // Kong records naming their request (x-request-id)
  const [a, b, c] = [request(11), request(12), request(13)];
  // A shipper re-sending a line, a gateway re-batching what it retries, identical lines without an id.
  const lines = [JSON.stringify([a, b]), JSON.stringify(a), JSON.stringify([b, c]), combined, combined, JSON.stringify(a)];

  it('detects and stores a line that names its request once, however it is batched, and keeps identical unnamed lines apart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-dedup-'));
    dirs.push(dataDir);
    const config = loadConfig({ env: { VIGIL_DATA_DIR: dataDir, VIGIL_TOKENIZATION_KEY: 'b5'.repeat(32), VIGIL_INGEST_PARSE_WORKER: parseWorker } });
    const r = await run(config, lines);
    // a, b, c once each and the two combined lines; the second a, the second b and the third a left out.
    expect(r.counts).toEqual({ lines: 6, events: 5, deadLetters: 0, findings: 1, duplicates: 3 });
    expect(r.events).toBe(5);
  });

  it('with the memory off (0) detects every copy, and the store still keeps one row per request', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-dedup-off-'));
    dirs.push(dataDir);
    const config = loadConfig({ env: { VIGIL_DATA_DIR: dataDir, VIGIL_TOKENIZATION_KEY: 'b6'.repeat(32), VIGIL_INGEST_PARSE_WORKER: parseWorker, VIGIL_INGEST_DEDUP_EVENTS: '0' } });
    const r = await run(config, lines);
    expect(r.counts).toEqual({ lines: 6, events: 8, deadLetters: 0, findings: 1, duplicates: 0 });
    // Same event id for every copy of a named line: the store's deduplication merges them.
    expect(r.events).toBe(5);
  });
});
