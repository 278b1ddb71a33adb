import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../libs/config/index.js';
import { FollowPositionsSchema } from '../../libs/contracts/index.js';
import { createLogger } from '../../libs/log/index.js';
import { openDb } from '../../libs/store/db.js';
import { createRandom, kongRecord } from '../../scripts/traffic.js';
import { createCore, type Core } from '../core.js';
import { createFileFollower, type FileFollower } from './follow.js';
import { createFollowPositionStore } from './follow-positions.js';

/**
 * `vigil start --follow` on files this test writes as a gateway would: appended lines, a line
 * written in two parts, rotation by rename with late writes to the old file, truncation, a file
 * rotated while Vigil was stopped, a restart from positions older than what was stored (a crash).
 * Exact event counts everywhere: nothing read twice into the store, nothing skipped.
 */
const dirs: string[] = [];
const logger = createLogger({ level: 'silent' });
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const rnd = createRandom(17);
const at = Date.UTC(2026, 10, 3, 9, 0, 0);
let n = 0;
/** A Kong line (names its request) or an nginx combined line (does not), each a distinct request. */
const kong = () => JSON.stringify(kongRecord({ at: at + ++n * 1000, method: 'GET', uri: `/fhir/Patient/${n}`, status: 200, clientIp: '10.2.2.2' }, rnd));
const combined = () => `203.0.113.9 - - [03/Nov/2026:09:${String(++n % 60).padStart(2, '0')}:00 +0000] "GET /api/v1/claims/${n} HTTP/1.1" 200 512 "-" "curl/8.5.0"`;
const lines = (k: number) => Array.from({ length: k }, (_, i) => (i % 2 === 0 ? kong() : combined())).join('\n') + '\n';

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-follow-'));
  dirs.push(dir);
  const config = loadConfig({ env: { VIGIL_DATA_DIR: join(dir, 'data'), VIGIL_TOKENIZATION_KEY: 'c7'.repeat(32) } });
  return { dir, config, log: join(dir, 'access.log') };
}

function follow(core: Core, dataDir: string, files: string[], from: 'beginning' | 'end' = 'beginning'): FileFollower {
  const positions = createFollowPositionStore(dataDir);
  return createFileFollower(
    { files, from, pollMs: 10, quietMs: 1000 },
    { pipeline: core.pipeline, writer: core.writer, positions, saved: positions.load(), logger, registry: core.registry },
  );
}

/** Waits until the pipeline has taken `events` events in all (fails after 20 s with what it has). */
async function until(core: Core, events: number): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (core.pipeline.counts().events >= events) break;
    await sleep(10);
  }
  expect(core.pipeline.counts().events).toBe(events);
}

const positions = (dataDir: string) => FollowPositionsSchema.parse(JSON.parse(readFileSync(join(dataDir, 'follow', 'positions.json'), 'utf8')));

describe('following a log file as it is written', () => {
  it('reads appended lines once each, a line written in two parts once complete, and a renamed file to its end', async () => {
    const { config, log } = setup();
    writeFileSync(log, lines(3));
    const core = await createCore(config, { logger });
    const f = follow(core, config.dataDir, [log]);
    await until(core, 3);
    const half = kong();
    appendFileSync(log, lines(2) + half.slice(0, 100));
    await until(core, 5);
    await sleep(100); // the half line stays unread
    expect(core.pipeline.counts().events).toBe(5);
    appendFileSync(log, `${half.slice(100)}\n`);
    await until(core, 6);

    // logrotate: rename, nginx writes on to the old file until it reopens, then to a new one.
    renameSync(log, `${log}.1`);
    appendFileSync(`${log}.1`, lines(1));
    writeFileSync(log, lines(2));
    await until(core, 9);
    appendFileSync(`${log}.1`, lines(1)); // still before the old file went quiet
    await until(core, 10);
    await sleep(1500); // quiet for a second: the old file is let go
    await f.stop();
    const saved = positions(config.dataDir).files[log];
    expect(saved).toEqual([{ dev: String(statSync(log).dev), ino: String(statSync(log).ino), offset: statSync(log).size }]);
    expect([core.pipeline.counts().events, core.pipeline.counts().duplicates, await core.store.countEvents()]).toEqual([10, 0, 10]);

    // Started again: only what is new.
    const g = follow(core, config.dataDir, [log]);
    appendFileSync(log, lines(2));
    await until(core, 12);
    await g.stop();
    expect(await core.store.countEvents()).toBe(12);
    await core.close();
  });

  it('after a crash reads again from the last saved position, and the store keeps every line once', async () => {
    const { config, log } = setup();
    writeFileSync(log, lines(4));
    let core = await createCore(config, { logger });
    let f = follow(core, config.dataDir, [log]);
    await until(core, 4);
    await f.stop();
    const old = join(config.dataDir, 'follow', 'positions.old.json');
    copyFileSync(join(config.dataDir, 'follow', 'positions.json'), old);
    f = follow(core, config.dataDir, [log]);
    appendFileSync(log, lines(5));
    await until(core, 9);
    await f.stop();
    await core.close();
    // A crash after those rows were stored but before the position moved past them.
    copyFileSync(old, join(config.dataDir, 'follow', 'positions.json'));
    core = await createCore(config, { logger });
    f = follow(core, config.dataDir, [log]);
    await until(core, 5);
    await f.stop();
    // The same five lines at the same offsets of the same file: the same ids, merged by the store.
    expect(await core.store.countEvents()).toBe(9);
    await core.close();
  });

  it('finishes a file rotated while Vigil was stopped from where it stopped, found by its inode', async () => {
    const { config, log } = setup();
    writeFileSync(log, lines(3));
    let core = await createCore(config, { logger });
    let f = follow(core, config.dataDir, [log]);
    await until(core, 3);
    await f.stop();
    await core.close();
    appendFileSync(log, lines(2));
    renameSync(log, `${log}-20261103`);
    writeFileSync(log, lines(1));
    core = await createCore(config, { logger });
    f = follow(core, config.dataDir, [log]);
    await until(core, 3);
    await f.stop();
    expect(await core.store.countEvents()).toBe(6);
    await core.close();
  });

  it('starts a truncated file over, waits for a file that does not exist yet, and can start at the end', async () => {
    const { dir, config, log } = setup();
    const other = join(dir, 'other.log');
    writeFileSync(log, lines(3));
    const core = await createCore(config, { logger });
    const f = follow(core, config.dataDir, [log, other], 'end');
    await sleep(100);
    expect(core.pipeline.counts().events).toBe(0); // `end`: the three lines already there are not read
    appendFileSync(log, lines(2));
    await until(core, 2);
    truncateSync(log, 0); // copytruncate
    await sleep(50);
    appendFileSync(log, lines(1));
    await until(core, 3);
    writeFileSync(other, lines(2)); // appears after the start: read from its first line
    await until(core, 5);
    await f.stop();
    expect(await core.store.countEvents()).toBe(5);
    await core.close();
  });

  it('stops with the reason when a followed path cannot be read', async () => {
    const { dir, config } = setup();
    const core = await createCore(config, { logger });
    const f = follow(core, config.dataDir, [dir]); // a directory: opens, but cannot be read
    await expect(f.done).rejects.toThrow(`cannot read ${dir}: EISDIR: illegal operation on a directory, read`);
    await f.stop();
    await core.close();
  });

  it('dead-letters a line that is not a log line with the file and its byte offset', async () => {
    const { config, log } = setup();
    const first = `${kong()}\n`;
    writeFileSync(log, `${first}not a log line\n${kong()}\n`);
    const core = await createCore(config, { logger });
    const f = follow(core, config.dataDir, [log]);
    await until(core, 2);
    await f.stop();
    await core.close();
    const db = await openDb({ clickhouse: config.clickhouse, dataDir: config.dataDir }, logger);
    try {
      const dead = await db.query<{ source: string; position: string; reason: string; raw: string }>('SELECT source, position, reason, raw FROM {db}.dead_letters');
      expect(dead).toEqual([{ source: log, position: String(Buffer.byteLength(first)), reason: 'unrecognized format', raw: 'not a log line' }]);
    } finally {
      await db.close();
    }
  });
});
