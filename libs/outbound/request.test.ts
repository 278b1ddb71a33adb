import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { VigilError } from '../errors/index.js';
import { checkDestinationUrl, outboundRequest, type Resolve } from './index.js';
import { selfSignedCert, startServer, type Cert, type TestServer } from './test-support.js';

const OPTS = { timeoutMs: 2000 };
let dir = '';
let cert: Cert;
let target: TestServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-outbound-'));
  cert = await selfSignedCert(dir);
  target = await startServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
});
afterAll(async () => {
  await target.close();
  await rm(dir, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<VigilError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof VigilError)) throw new Error(`expected a VigilError, got ${String(err)}`);
  return err;
}

const post = (url: string, extra: Parameters<typeof outboundRequest>[1] = OPTS) => outboundRequest({ method: 'POST', url, body: '{}' }, extra);

describe('SSRF guard', () => {
  test.each([
    ['127.0.0.1', (p: number) => `http://127.0.0.1:${p}/hook`, 'destination 127.0.0.1 is a loopback address'],
    ['localhost', (p: number) => `http://localhost:${p}/hook`, 'destination 127.0.0.1 (localhost resolves to 127.0.0.1) is a loopback address'],
    ['[::1]', (p: number) => `http://[::1]:${p}/hook`, 'destination ::1 is a loopback address'],
    ['169.254.169.254', () => 'http://169.254.169.254/latest/meta-data/', 'destination 169.254.169.254 is a link-local address'],
    ['10.0.0.1', () => 'https://10.0.0.1/hook', 'destination 10.0.0.1 is a private address'],
    ['::ffff:127.0.0.1', (p: number) => `http://[::ffff:127.0.0.1]:${p}/`, 'destination ::ffff:7f00:1 is a loopback address'],
  ])('%s is refused without allowPrivateNetwork, before any connection', async (_name, url, message) => {
    const before = target.hits();
    const err = await rejection(post(url(target.port)));
    expect([err.code, err.retriable]).toEqual(['destination_refused', false]);
    // NOTE: localhost may resolve to ::1 first on other machines; either address is refused.
    const alternatives = [message, message.replaceAll('127.0.0.1', '::1')].map((m) => `${m}; set allowPrivateNetwork on the destination to allow it`);
    expect(alternatives).toContain(err.message);
    expect(target.hits()).toBe(before);
  });

  test('a host name resolving to 127.0.0.1 is refused at connect time, and allowed with allowPrivateNetwork', async () => {
    const resolve: Resolve = () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
    const before = target.hits();
    const err = await rejection(post(`http://siem.example.test:${target.port}/`, { ...OPTS, resolve }));
    expect(err.message).toBe('destination 127.0.0.1 (siem.example.test resolves to 127.0.0.1) is a loopback address; set allowPrivateNetwork on the destination to allow it');
    expect(target.hits()).toBe(before);
    const res = await post(`http://siem.example.test:${target.port}/`, { ...OPTS, resolve, allowPrivateNetwork: true });
    expect([res.status, res.body]).toEqual([200, 'ok']);
    expect(target.hits()).toBe(before + 1);
  });

  test('DNS rebinding: a name public when checked and loopback when connecting is refused at connect time', async () => {
    const answers = ['203.0.113.10', '127.0.0.1'];
    const resolve: Resolve = () => Promise.resolve([{ address: answers.shift() ?? '127.0.0.1', family: 4 }]);
    await checkDestinationUrl(`http://rebind.example.test:${target.port}/`, { resolve });
    const before = target.hits();
    const err = await rejection(post(`http://rebind.example.test:${target.port}/`, { ...OPTS, resolve }));
    expect(err.code).toBe('destination_refused');
    expect(target.hits()).toBe(before);
  });

  test('one private address among public ones refuses the name', async () => {
    const resolve: Resolve = () => Promise.resolve([{ address: '203.0.113.10', family: 4 }, { address: '10.1.1.1', family: 4 }]);
    const err = await rejection(checkDestinationUrl('https://mixed.example.test/', { resolve }));
    expect(err.message).toBe('destination 10.1.1.1 (mixed.example.test resolves to 10.1.1.1) is a private address; set allowPrivateNetwork on the destination to allow it');
  });

  test('checkDestinationUrl refuses metadata and bad schemes, accepts allowed private targets', async () => {
    expect((await rejection(checkDestinationUrl('http://169.254.169.254/'))).code).toBe('destination_refused');
    expect((await rejection(checkDestinationUrl('ftp://example.org/'))).message).toBe('destination URL scheme ftp: is not allowed here (use http: or https: or tcp: or tls:)');
    expect((await rejection(checkDestinationUrl('tcp://example.org'))).message).toBe('destination URL tcp:// needs a port');
    expect((await rejection(checkDestinationUrl('https://user:pw@example.org/'))).message).toBe('destination URL must not carry credentials (use the secret or token field)');
    await expect(checkDestinationUrl('tcp://127.0.0.1:6514', { allowPrivateNetwork: true })).resolves.toBeUndefined();
  });

  test('only http and https are requested', async () => {
    const err = await rejection(post('file:///etc/passwd'));
    expect(err.message).toBe('destination URL scheme file: is not allowed here (use http: or https:)');
  });
});

describe('outboundRequest', () => {
  const allow = { ...OPTS, allowPrivateNetwork: true };

  test('a redirect is returned as the answer and never followed', async () => {
    const redirect = await startServer((_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${target.port}/elsewhere` }).end());
    const before = target.hits();
    const res = await post(`http://127.0.0.1:${redirect.port}/hook`, allow);
    await redirect.close();
    expect([res.status, res.headers.location]).toEqual([302, `http://127.0.0.1:${target.port}/elsewhere`]);
    expect(target.hits()).toBe(before);
  });

  test('a long body is read to the end and 64 KiB of it kept', async () => {
    const big = await startServer((_req, res) => res.writeHead(200).end('x'.repeat(100_000)));
    const res = await post(`http://127.0.0.1:${big.port}/`, allow);
    await big.close();
    expect([res.body.length, res.truncated]).toEqual([65_536, true]);
  });

  test('a server that never answers times out as a retriable error', async () => {
    const silent = await startServer(() => undefined);
    const err = await rejection(post(`http://127.0.0.1:${silent.port}/`, { ...allow, timeoutMs: 300 }));
    await silent.close();
    expect([err.code, err.retriable, err.message]).toEqual(['destination_unreachable', true, 'no complete answer from 127.0.0.1 within 300 ms']);
  });

  test('a refused connection is retriable', async () => {
    const closed = await startServer(() => undefined);
    const port = closed.port;
    await closed.close();
    const err = await rejection(post(`http://127.0.0.1:${port}/`, allow));
    expect([err.code, err.retriable, err.message]).toEqual(['destination_unreachable', true, '127.0.0.1: ECONNREFUSED']);
  });

  test('TLS is verified: a self-signed receiver fails (not retriable) unless its CA is given', async () => {
    const https = await startServer((_req, res) => res.writeHead(201).end('created'), cert);
    const url = `https://localhost:${https.port}/hook`;
    const err = await rejection(post(url, allow));
    const res = await post(url, { ...allow, caPem: cert.cert });
    await https.close();
    expect([err.code, err.retriable]).toEqual(['destination_refused', false]);
    expect(err.message).toBe('TLS certificate of localhost does not verify (DEPTH_ZERO_SELF_SIGNED_CERT); give the destination its CA (caPem) or fix the certificate');
    expect([res.status, res.body]).toEqual([201, 'created']);
  });
});

describe('requests that cannot be built', () => {
  test('a header with a line break (a bad token) is refused before connecting', async () => {
    const before = target.hits();
    const bad = await rejection(outboundRequest({ method: 'POST', url: `http://127.0.0.1:${target.port}/`, headers: { authorization: 'Splunk a\r\nX-Evil: 1' } }, { ...OPTS, allowPrivateNetwork: true }));
    expect([bad.code, bad.retriable, bad.message]).toEqual(['destination_refused', false, 'request to 127.0.0.1 cannot be built: Invalid character in header content ["authorization"]']);
    expect(target.hits()).toBe(before);
  });
});
