import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../libs/config/index.js';
import { createLogger } from '../../libs/log/index.js';
import { openDb } from '../../libs/store/db.js';
import { createCore } from '../core.js';
import { eventIdFor } from './normalize.js';
import { createOrdinals } from './ordinals.js';

// End to end: Kong lines with logged bodies through parse -> normalize -> detect -> store into a
// real embedded ClickHouse (chDB). The PHI classification must be stored; the bodies must not be,
// anywhere: events, dead letters, or the process's own logs.
const dataDir = mkdtempSync(join(tmpdir(), 'vigil-phi-'));
const config = loadConfig({ env: { VIGIL_DATA_DIR: dataDir, VIGIL_TOKENIZATION_KEY: 'c3'.repeat(32), VIGIL_LOG_LEVEL: 'debug' } });
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const fixture = fileURLToPath(new URL('../../fixtures/kong/with-bodies.log', import.meta.url));
const lines = readFileSync(fixture, 'utf8').split('\n').filter((l) => l !== '');
// The first line again, made invalid (status is text): a dead letter that carried the Patient body.
const broken = (lines[0] ?? '').replace('"status":200', '"status":"OK"');

/** Values only the bodies hold: names, SSN, MRN, birth dates, a phone number. */
const BODY_VALUES = ['Quarrington', 'Zelda', '512-84-3377', 'MR-0048213', '1984-07-19', 'Fennimore', 'Ottilie', 'Halvorsen', 'Brynja', '07/19/1984', '555-123-4567', 'Asthma'];

describe('PHI from mirrored Kong bodies into the embedded store', () => {
  it('stores the classification of each event and no body text in events, dead letters or logs', async () => {
    const logs: string[] = [];
    const logger = createLogger({ level: 'debug' }, { write: (msg: string) => void logs.push(msg) });
    const core = await createCore(config, { logger });
    const ordinals = createOrdinals();
    // Parsed on the prepare worker (the default), as replay and Kafka do.
    const input = [...lines, broken];
    const prepared = await core.pipeline.preparer.lines(input.map((line) => ({ line })), 'kong');
    input.forEach((line, i) => core.pipeline.processPrepared(prepared[i] ?? { blank: true, items: [] }, line, { source: 'with-bodies.log', position: String(i + 1) }, ordinals));
    await core.pipeline.flush();
    expect(core.pipeline.counts()).toMatchObject({ lines: 8, events: 7, deadLetters: 1 });

    const ids = lines.map((line) => eventIdFor(line, 0));
    const stored = await core.store.getEvents(ids);
    const byId = new Map(stored.map((e) => [e.eventId, e]));
    expect(ids.map((id) => byId.get(id)?.phi)).toEqual([
      { categories: ['fhir-resource', 'name', 'dob', 'ssn', 'mrn'], resourceTypes: ['Patient'], in: ['response'] },
      { categories: ['fhir-resource'], resourceTypes: ['Condition', 'Observation'], in: ['response'] },
      { categories: ['fhir-resource', 'name', 'dob'], resourceTypes: ['Patient'], in: ['request'] },
      { categories: [], resourceTypes: [], in: [] },
      { categories: ['fhir-resource', 'name', 'dob'], resourceTypes: ['Patient'], in: ['response'] },
      { categories: ['name', 'dob'], resourceTypes: [], in: ['response'] },
      undefined,
    ]);
    await core.close();

    // Every column of every row, as ClickHouse itself returns them.
    const db = await openDb({ clickhouse: config.clickhouse, dataDir: config.dataDir }, createLogger({ level: 'silent' }));
    try {
      const events = await db.query<Record<string, unknown>>('SELECT * FROM {db}.events FINAL');
      const dead = await db.query<Record<string, unknown>>('SELECT * FROM {db}.dead_letters');
      expect(events).toHaveLength(7);
      expect(dead).toHaveLength(1);
      expect(String(dead[0]?.raw)).toContain('"body":"[REDACTED BODY]"');
      const everything = [JSON.stringify(events), JSON.stringify(dead), logs.join('')];
      expect(logs.length).toBeGreaterThan(0);
      for (const text of everything) for (const value of BODY_VALUES) expect(text, value).not.toContain(value);
      expect(events.map((r) => r.phi_seen).sort()).toEqual([0, 1, 1, 1, 1, 1, 1]);
    } finally {
      await db.close();
    }
  });
});
