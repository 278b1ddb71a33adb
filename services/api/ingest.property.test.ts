import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InputFormat } from '../../libs/contracts/index.js';
import { parseBody } from '../../libs/adapters/index.js';
import { fixtureLines } from '../../libs/adapters/test-support/fixtures.js';
import { readRunInfo } from '../cli/run-info.js';
import { startVigil, type Running } from '../cli/start.js';

/**
 * POST /v1/ingest on a real `vigil start` (embedded store, real pipeline): whatever the body,
 * headers or bytes, the answer is 2xx or 4xx, and a 202's counts are exactly what the adapters
 * make of the body: every item is an accepted event or a dead letter, none lost.
 */
const dir = mkdtempSync(join(tmpdir(), 'vigil-ingest-prop-'));
let running: Running;
let key = '';
const url = () => new URL(running.url);

beforeAll(async () => {
  running = await startVigil(
    {
      out: () => undefined,
      err: () => undefined,
      env: { VIGIL_DATA_DIR: dir, VIGIL_PORT: '0', VIGIL_LOG_LEVEL: 'silent', VIGIL_TOKENIZATION_KEY: 'c3'.repeat(32), VIGIL_RATE_LIMIT_PER_MINUTE: '0', VIGIL_INGEST_RATE_LIMIT_PER_MINUTE: '0', VIGIL_INGEST_MAX_BODY_BYTES: String(4 * 1024 * 1024) },
      tty: false,
    },
    {},
    { handleSignals: false },
  );
  key = readRunInfo(dir)?.key ?? '';
});
afterAll(async () => {
  await running.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Raw node:http, so bodies can be arbitrary bytes and headers arbitrary sizes. */
function post(path: string, body: Buffer, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url().hostname, port: url().port, path, method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-length': String(body.length), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** What the pipeline must report for a body: events of ok items, one dead letter per bad item. */
function expected(text: string, format: InputFormat): { accepted: number; deadLettered: number } {
  let accepted = 0;
  let deadLettered = 0;
  for (const item of parseBody(text, format)) {
    if (item.raw.trim() === '') continue;
    if (item.outcome.kind === 'ok') accepted += item.outcome.events.length;
    else deadLettered++;
  }
  return { accepted, deadLettered };
}

const KONG = fixtureLines('kong/file-log.jsonl');
const ANY_LINE = [...KONG, ...fixtureLines('envoy/access.json.log'), ...fixtureLines('nginx/access.combined.log'), ...fixtureLines('vigil/events.jsonl')];

const bodies = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 400 }).map((s) => Buffer.from(s, 'utf8')),
  fc.uint8Array({ minLength: 1, maxLength: 400 }).map((b) => Buffer.from(b)),
  fc.array(fc.jsonValue(), { minLength: 1, maxLength: 10 }).map((a) => Buffer.from(JSON.stringify(a))),
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  // Real lines, some cut, some with bytes that are not UTF-8 spliced in.
  fc
    .array(fc.tuple(fc.constantFrom(...ANY_LINE), fc.nat(2000), fc.boolean()), { minLength: 1, maxLength: 8 })
    .map((parts) => Buffer.concat(parts.map(([line, cut, bad]) => Buffer.concat([Buffer.from(line.slice(0, cut)), bad ? Buffer.from([0xff, 0xfe, 0xc3]) : Buffer.alloc(0), Buffer.from('\n')])))),
  fc.constantFrom(
    Buffer.from('['.repeat(50_000) + ']'.repeat(50_000)),
    Buffer.from(`[${Array.from({ length: 3000 }, (_, i) => i).join(',')}]`),
    Buffer.from(`[${KONG.slice(0, 3).join(',')},1e400,"NaN",{"a":-0}]`),
    Buffer.from('{"time":"Infinity","status":1e308,"method":"GET","path":"/"}\n'),
  ),
);
const formats = fc.constantFrom<InputFormat>('auto', 'kong', 'nginx', 'envoy', 'vigil');
const contentTypes = fc.constantFrom('application/json', 'text/plain', 'application/x-ndjson', 'application/octet-stream', 'text/plain; charset=latin1', 'nonsense/;;;');

describe('POST /v1/ingest on hostile input', () => {
  it('answers 202 with every item counted as accepted or dead-lettered, or a 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(bodies, formats, contentTypes, async (body, format, type) => {
        const res = await post(`/v1/ingest?format=${format}`, body, { 'content-type': type });
        if (res.status === 202) {
          const got = JSON.parse(res.text) as { accepted: number; deadLettered: number; duplicates: number };
          // body-parser decodes with the declared charset (utf-8 unless said otherwise). A real line
          // that names its request and was posted before (by this body or an earlier run) is a duplicate.
          expect({ accepted: got.accepted + got.duplicates, deadLettered: got.deadLettered }).toEqual(
            expected(body.toString(type.includes('latin1') ? 'latin1' : 'utf8'), format),
          );
        } else {
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
          expect(JSON.parse(res.text)).toHaveProperty('error.code');
        }
      }),
      { numRuns: 60, seed: 0x5eed },
    );
  });

  it('refuses headers over the server limit with 431, and keeps serving', async () => {
    const huge = await post('/v1/ingest', Buffer.from('x\n'), { 'x-huge': 'h'.repeat(64 * 1024) });
    expect(huge.status).toBe(431);
    const many = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`x-h-${i}`, 'v']));
    expect((await post('/v1/ingest', Buffer.from('x\n'), many)).status).toBe(431);
    // A line no run above posted (a millisecond later than a fixture's), so it is not a duplicate.
    const fresh = JSON.parse(KONG[0] as string) as { started_at: number };
    fresh.started_at += 1;
    const ok = await post('/v1/ingest?format=kong', Buffer.from(`${JSON.stringify(fresh)}\n`), { 'content-type': 'application/x-ndjson' });
    expect(ok).toEqual({ status: 202, text: '{"accepted":1,"deadLettered":0,"duplicates":0}' });
  });

  it('answers an unknown charset with 400 and a body over the limit with 413', async () => {
    const latin = await post('/v1/ingest', Buffer.from('x\n'), { 'content-type': 'text/plain; charset=klingon' });
    expect(latin.status).toBe(400);
    expect(JSON.parse(latin.text)).toEqual({ error: { code: 'bad_request', message: 'unsupported charset; use utf-8' } });
    const big = await post('/v1/ingest', Buffer.alloc(4 * 1024 * 1024 + 1, 0x61), { 'content-type': 'text/plain' });
    expect(big.status).toBe(413);
  });
});
