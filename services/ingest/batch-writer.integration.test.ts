import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../libs/config/index.js';
import { createLogger } from '../../libs/log/index.js';
import { createRandom, kongRecord } from '../../scripts/traffic.js';
import { waitFor } from '../kafka/test-support/kafka.js';
import { createCore } from '../core.js';
import { createOrdinals } from './ordinals.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const logger = createLogger({ level: 'silent' });

/** A core whose writer batches 10 rows and whose periodic flush never fires during a test. */
async function smallBatchCore() {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-writer-'));
  dirs.push(dataDir);
  // Inline preparing: these tests drive the synchronous processLine to see when the writer asks to wait.
  const env = { VIGIL_DATA_DIR: dataDir, VIGIL_TOKENIZATION_KEY: 'c3'.repeat(32), VIGIL_INGEST_BATCH_SIZE: '10', VIGIL_INGEST_FLUSH_MS: '60000', VIGIL_INGEST_PARSE_WORKER: 'false' };
  return createCore(loadConfig({ env }), { logger });
}

const rnd = createRandom(5);
const at = Date.UTC(2026, 10, 3, 9, 0, 0);
const line = (n: number) => JSON.stringify(kongRecord({ at: at + n * 1000, method: 'GET', uri: `/fhir/Patient/${n}`, status: 200, clientIp: '10.2.2.2' }, rnd));

describe('batch writer', () => {
  it('writes a full batch in the background and asks the caller to wait only when a second batch is full', async () => {
    const core = await smallBatchCore();
    const ordinals = createOrdinals();
    const wants = Array.from({ length: 20 }, (_, i) => core.pipeline.processLine(line(i), { source: 't.log', position: String(i + 1) }, 'auto', ordinals));
    // Rows 1-19: no wait asked (the first full batch went to the background); row 20 fills a second batch.
    expect(wants.indexOf(true)).toBe(19);
    expect(wants.filter(Boolean).length).toBe(1);
    await core.writer.flush();
    expect(await core.store.countEvents()).toBe(20);
    await core.close();
  });

  it('stores a full batch without being asked to flush', async () => {
    const core = await smallBatchCore();
    const ordinals = createOrdinals();
    for (let i = 0; i < 10; i++) expect(core.pipeline.processLine(line(i), { source: 't.log', position: String(i + 1) }, 'auto', ordinals)).toBe(false);
    await waitFor('the background write stored the batch', async () => (await core.store.countEvents()) === 10, 30_000);
    expect(core.writer.pending()).toBe(0);
    await core.close();
  });

  it('hands a failed background write to the caller: the next full batch asks for a flush, which fails with the store error and keeps the rows', async () => {
    const core = await smallBatchCore();
    const ordinals = createOrdinals();
    await core.store.close();
    for (let i = 0; i < 10; i++) core.pipeline.processLine(line(i), { source: 't.log', position: String(i + 1) }, 'auto', ordinals);
    // The background write fails (the store is closed) and puts its rows back.
    const failedFlushes = async () => (await core.metrics.flushes.get()).values.find((v) => v.labels.outcome === 'error')?.value ?? 0;
    await waitFor('the background write failed', async () => (await failedFlushes()) === 1, 30_000);
    expect(core.writer.pending()).toBe(10);
    expect(core.pipeline.processLine(line(10), { source: 't.log', position: '11' }, 'auto', ordinals)).toBe(true);
    await expect(core.writer.flush()).rejects.toMatchObject({ code: 'store_failed' });
    expect(core.writer.pending()).toBe(11);
    await core.close().catch(() => undefined);
  });
});
