import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../contracts/index.js';
import { createLogger } from '../log/index.js';
import { createAuditLog } from './audit.js';

function rec(n: number): AuditRecord {
  return {
    time: '2026-11-01T10:00:00.000Z',
    requestId: `req-${n}`,
    action: 'request',
    actor: 'k1',
    role: 'viewer',
    authMethod: 'api_key',
    method: 'GET',
    route: '/v1/alerts',
    params: {},
    query: {},
    status: 200,
    outcome: 'success',
    sourceIp: '127.0.0.1',
    target: '',
    detail: '',
  };
}

function setup(cfg: { batchSize: number; maxBuffered: number }) {
  const batches: string[][] = [];
  const store = {
    fail: false,
    insertAuditRecords(rows: AuditRecord[]) {
      if (store.fail) return Promise.reject(new Error('clickhouse down'));
      batches.push(rows.map((r) => r.requestId));
      return Promise.resolve();
    },
  };
  const lines: { msg: string; rows?: number }[] = [];
  const logger = createLogger({ level: 'info' }, new Writable({ write: (c: Buffer, _e, cb) => (lines.push(JSON.parse(c.toString()) as { msg: string }), cb()) }));
  // A long interval: these tests flush explicitly, so no timer decides anything.
  const log = createAuditLog({ ...cfg, flushIntervalMs: 60_000 }, { store, logger });
  return { log, store, batches, lines };
}

describe('audit log writer', () => {
  it('writes buffered rows in batches of batchSize, in order', async () => {
    const { log, batches } = setup({ batchSize: 2, maxBuffered: 1000 });
    for (const n of [1, 2, 3, 4, 5]) log.record(rec(n));
    await log.flush();
    expect(batches).toEqual([['req-1', 'req-2'], ['req-3', 'req-4'], ['req-5']]);
    expect(log.buffered).toBe(0);
  });

  it('keeps rows after a failed write, logs it, and writes them on the next flush', async () => {
    const { log, store, batches, lines } = setup({ batchSize: 10, maxBuffered: 1000 });
    store.fail = true;
    log.record(rec(1));
    await expect(log.flush()).rejects.toThrow('clickhouse down');
    expect(log.buffered).toBe(1);
    expect(lines.map((l) => [l.msg, l.rows])).toEqual([['audit_write_failed', 1]]);
    store.fail = false;
    log.record(rec(2));
    await log.stop();
    expect(batches).toEqual([['req-1', 'req-2']]);
  });

  it('drops the oldest rows beyond maxBuffered, saying how many', async () => {
    const { log, batches, lines } = setup({ batchSize: 10, maxBuffered: 3 });
    for (const n of [1, 2, 3, 4, 5]) log.record(rec(n));
    await log.stop();
    expect(batches).toEqual([['req-3', 'req-4', 'req-5']]);
    expect(lines.filter((l) => l.msg === 'audit_rows_dropped').map((l) => l.rows)).toEqual([1, 1]);
  });
});
