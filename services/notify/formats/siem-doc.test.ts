// docs/siem.md's receiver snippet, run exactly as printed, against a real request signed by the
// webhook sender: valid passes, a tampered body or a stale/future timestamp fails.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createSender } from '../senders/index.js';
import { DEPS, destination, sampleAlert, startStub, type Received } from '../senders/test-support.js';

type Verify = (secret: string, headers: Record<string, unknown>, rawBody: string | Buffer, nowSeconds?: number) => boolean;

const DOC = fileURLToPath(new URL('../../../docs/siem.md', import.meta.url));
const SECRET = 'whsec_test_0123456789abcdef';
let dir = '';
let verify: Verify;
let req: Received;

/** The fenced code between the verify-snippet markers of docs/siem.md. */
function snippet(doc: string): string {
  const m = /<!-- verify-snippet:start -->\n```js\n([\s\S]*?)```\n<!-- verify-snippet:end -->/.exec(doc);
  if (!m?.[1]) throw new Error('docs/siem.md has no verify-snippet block');
  return m[1];
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-snippet-'));
  const file = join(dir, 'verify.mjs');
  await writeFile(file, snippet(await readFile(DOC, 'utf8')));
  verify = ((await import(pathToFileURL(file).href)) as { verifyVigilRequest: Verify }).verifyVigilRequest;
  const stub = await startStub();
  const sender = createSender(destination({ url: stub.url, allowPrivateNetwork: true }), DEPS);
  const outcome = await sender.send(sampleAlert(), { idempotencyKey: 'alrt_7f3a9c:1', now: new Date('2026-03-02T09:20:00.000Z') });
  await stub.close();
  expect(outcome).toEqual({ kind: 'delivered', status: 204 });
  req = stub.received[0] as Received;
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const SIGNED_AT = 1772443200;

test('the documented snippet accepts the request Vigil signed, as string or raw bytes', () => {
  expect(req.headers['x-vigil-timestamp']).toBe(String(SIGNED_AT));
  expect(verify(SECRET, req.headers, req.body, SIGNED_AT)).toBe(true);
  expect(verify(SECRET, req.headers, Buffer.from(req.body), SIGNED_AT + 300)).toBe(true);
});

test('the documented snippet rejects a tampered body, a wrong secret and a stale or future timestamp', () => {
  expect(verify(SECRET, req.headers, req.body.replace('"high"', '"low"'), SIGNED_AT)).toBe(false);
  expect(verify('another-secret-0123', req.headers, req.body, SIGNED_AT)).toBe(false);
  expect(verify(SECRET, req.headers, req.body, SIGNED_AT + 301)).toBe(false);
  expect(verify(SECRET, req.headers, req.body, SIGNED_AT - 301)).toBe(false);
  expect(verify(SECRET, { ...req.headers, 'x-vigil-signature': undefined }, req.body, SIGNED_AT)).toBe(false);
});
