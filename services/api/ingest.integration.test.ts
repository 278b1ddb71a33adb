import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../libs/log/index.js';
import { startHarness, type Harness } from './test-support/harness.js';

let h: Harness;
let failNext = false;
/** Every log line the app writes, parsed. */
const logs: Record<string, unknown>[] = [];

beforeAll(async () => {
  h = await startHarness('ingest', {
    maxBodyBytes: 2048,
    logger: createLogger({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) }),
    ingest: () => {
      if (failNext) {
        failNext = false;
        return Promise.reject(new Error('disk full at /var/lib/vigil: secret internals'));
      }
      return Promise.resolve({ accepted: 3, deadLettered: 1, duplicates: 0 });
    },
  });
});

afterAll(async () => {
  await h.close();
});

// What Kong's http-log plugin POSTs when its queue batches two entries.
const kongBatch = JSON.stringify([
  { request: { method: 'GET', uri: '/fhir/Patient/1' }, response: { status: 200 }, started_at: 1793527200000 },
  { request: { method: 'GET', uri: '/fhir/Patient/2' }, response: { status: 200 }, started_at: 1793527200100 },
]);

describe('POST /v1/ingest', () => {
  it('hands the exact raw JSON body and format to the pipeline and answers 202 with its counts', async () => {
    h.ingestCalls.length = 0;
    const res = await h.call('/v1/ingest?format=kong', {
      as: 'analyst',
      method: 'POST',
      body: kongBatch,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 3, deadLettered: 1, duplicates: 0 });
    expect(h.ingestCalls).toEqual([{ body: kongBatch, format: 'kong', source: 'http:/v1/ingest' }]);
  });

  it('reads text lines as they are and defaults the format to auto', async () => {
    h.ingestCalls.length = 0;
    const lines = '10.0.0.1 - - [01/Nov/2026:10:00:00 +0000] "GET /fhir/Patient/1 HTTP/1.1" 200 512\n';
    const res = await h.call('/v1/ingest', { as: 'admin', method: 'POST', body: lines, headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(202);
    expect(h.ingestCalls).toEqual([{ body: lines, format: 'auto', source: 'http:/v1/ingest' }]);
  });

  it('answers 413 for a body over the limit without calling the pipeline', async () => {
    h.ingestCalls.length = 0;
    const res = await h.call('/v1/ingest', {
      as: 'analyst',
      method: 'POST',
      body: 'x'.repeat(2049),
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: { code: 'payload_too_large', message: 'request body larger than 2048 bytes' } });
    expect(h.ingestCalls).toEqual([]);
  });

  it('refuses viewers, unknown formats and empty bodies without calling the pipeline', async () => {
    h.ingestCalls.length = 0;
    const viewer = await h.call('/v1/ingest', { as: 'viewer', method: 'POST', body: kongBatch });
    expect(viewer.status).toBe(403);
    const badFormat = await h.call('/v1/ingest?format=syslog', { as: 'analyst', method: 'POST', body: kongBatch });
    expect(badFormat.status).toBe(400);
    expect(((await badFormat.json()) as { error: { message: string } }).error.message).toMatch(/^format: /);
    const empty = await h.call('/v1/ingest', { as: 'analyst', method: 'POST', body: '  \n' });
    expect(empty.status).toBe(400);
    expect(h.ingestCalls).toEqual([]);
  });

  it('answers a pipeline failure with a bare 500: no message, no stack', async () => {
    failNext = true;
    const res = await h.call('/v1/ingest', { as: 'analyst', method: 'POST', body: kongBatch });
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('{"error":{"code":"internal","message":"internal error"}}');

    // The server log has the cause and the route, and nothing of the request's key or body.
    const failed = logs.filter((l) => l.msg === 'http_request_failed');
    expect(failed.map((l) => [l.component, l.code, l.method, l.route])).toEqual([['api', 'internal', 'POST', '/v1/ingest']]);
    expect((failed[0]?.err as { message: string }).message).toBe('disk full at /var/lib/vigil: secret internals');
    const all = JSON.stringify(logs);
    expect(all).not.toContain(h.key.analyst);
    expect(all).not.toContain('/fhir/Patient/1');
  });
});
