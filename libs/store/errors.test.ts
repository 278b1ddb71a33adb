import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { VigilError } from '../errors/index.js';
import { createStore } from './index.js';
import { clickhouseErrorType, isTransient, wrapStoreError } from './errors.js';
import { silentLogger } from './test-support/fixtures.js';

const withCode = (code: string): Error => Object.assign(new Error('boom'), { code });

describe('store error classification', () => {
  it('treats refused connections, timeouts and overload as transient', () => {
    expect(isTransient(withCode('ECONNREFUSED'))).toBe(true);
    expect(isTransient(new Error('Timeout error.'))).toBe(true);
    expect(isTransient(Object.assign(new Error('x'), { type: 'TOO_MANY_SIMULTANEOUS_QUERIES' }))).toBe(true);
    expect(isTransient(new Error('wrapped', { cause: withCode('ECONNRESET') }))).toBe(true);
  });

  it('treats query errors as permanent', () => {
    expect(isTransient(Object.assign(new Error('Unknown table'), { code: '60', type: 'UNKNOWN_TABLE' }))).toBe(false);
  });

  it('wraps with a stable code and keeps the cause', () => {
    const cause = withCode('ECONNREFUSED');
    const e = wrapStoreError(cause, 'query');
    expect([e.code, e.retriable, e.cause]).toEqual(['store_unavailable', true, cause]);
    const f = wrapStoreError(new Error('syntax'), 'query');
    expect([f.code, f.retriable]).toEqual(['store_failed', false]);
  });

  it('passes a VigilError through unchanged', () => {
    const v = new VigilError('bad_request', 'invalid cursor');
    expect(wrapStoreError(v, 'query')).toBe(v);
  });
});

describe('server mode', () => {
  it('reports a server that refuses connections as retriable store_unavailable', async () => {
    // A port that was just free: nothing listens there.
    const srv = createServer();
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const address = srv.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    await new Promise<void>((resolve) => srv.close(() => resolve()));

    const opening = createStore(
      {
        clickhouse: { url: `http://127.0.0.1:${port}`, user: 'default', password: '', database: 'vigil' },
        dataDir: '/nonexistent',
        retentionDays: 30,
      },
      { logger: silentLogger },
    );
    await expect(opening).rejects.toMatchObject({ code: 'store_unavailable', retriable: true });
  });
});

describe('errors of the embedded raw insert', () => {
  it('carry the engine error type, so an overloaded engine is retried and a bad row is not', () => {
    const busy = new Error('Code: 252. DB::Exception: Too many parts (3001). Merges are processing significantly slower than inserts. (TOO_MANY_PARTS)\n');
    expect(clickhouseErrorType(busy)).toBe('TOO_MANY_PARTS');
    expect(wrapStoreError(busy, 'insert into events').code).toBe('store_unavailable');
    const bad = new Error('Code: 27. DB::Exception: Cannot parse input: expected \',\' before: \'oops]\': (at row 2)\n: (CANNOT_PARSE_INPUT_ASSERTION_FAILED)');
    expect(clickhouseErrorType(bad)).toBe('CANNOT_PARSE_INPUT_ASSERTION_FAILED');
    expect(wrapStoreError(bad, 'insert into events').code).toBe('store_failed');
  });

  it('read no type from a message that is not the engine\'s', () => {
    expect(clickhouseErrorType(new Error('Insert aborted'))).toBeUndefined();
    expect(clickhouseErrorType(new Error('see (TOO_MANY_PARTS)'))).toBeUndefined();
    expect(clickhouseErrorType('text')).toBeUndefined();
  });
});
