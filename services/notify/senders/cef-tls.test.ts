// cef-syslog over tls:// against a node:tls receiver with a certificate made by openssl in the test.
// (rsyslog's TLS needs the gtls driver, package rsyslog-gnutls, not installed here; plain TCP is
// tested against the real rsyslogd in cef-syslog.integration.test.ts.)
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { selfSignedCert, type Cert } from '../../../libs/outbound/test-support.js';
import { formatCef, octetCountedFrame, syslogMessage } from '../formats/cef.js';
import { createSender } from './index.js';
import { DEPS, destination, sampleAlert } from './test-support.js';

const NOW = new Date('2026-03-02T09:20:00.250Z');
let dir = '';
let cert: Cert;
let server: Server;
let port = 0;
let connections = 0;
/** Per connection: closed at both ends (the client has seen the receiver's close and let go). */
const closed: boolean[] = [];
/** Raw bytes per connection. */
const received: Buffer[] = [];
/** When set, the receiver closes each connection after its first bytes (a receiver restart). */
let closeAfterFirst = false;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-cef-tls-'));
  cert = await selfSignedCert(dir);
  server = createServer(cert, (socket: TLSSocket) => {
    const index = connections++;
    received[index] = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received[index] = Buffer.concat([received[index] ?? Buffer.alloc(0), chunk]);
      if (closeAfterFirst) socket.end();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => void (closed[index] = true));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

const frame = (id: string, key: string): string =>
  octetCountedFrame(syslogMessage(formatCef(sampleAlert({ id }), { version: '0.1.0', idempotencyKey: key }), { severity: 'high', hostname: DEPS.hostname, now: NOW })).toString('utf8');

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 250 && !check(); i++) await sleep(20);
}

describe('cef-syslog over TLS', () => {
  test('a self-signed receiver is refused (not retried) without its CA', async () => {
    const sender = createSender(destination({ type: 'cef-syslog', url: `tls://localhost:${port}`, allowPrivateNetwork: true }), DEPS);
    expect(await sender.send(sampleAlert(), { idempotencyKey: 'a:1', now: NOW })).toEqual({
      kind: 'failed',
      error: 'TLS certificate of localhost does not verify (DEPTH_ZERO_SELF_SIGNED_CERT); give the destination its CA (caPem) or fix the certificate',
    });
    await sender.close();
  });

  test('with the CA, frames arrive octet-counted on one kept-open connection', async () => {
    const before = connections;
    const sender = createSender(destination({ type: 'cef-syslog', url: `tls://localhost:${port}`, caPem: cert.cert, allowPrivateNetwork: true }), DEPS);
    const [one, two] = await Promise.all([
      sender.send(sampleAlert({ id: 'a1' }), { idempotencyKey: 'a1:1', now: NOW }),
      sender.send(sampleAlert({ id: 'a2' }), { idempotencyKey: 'a2:1', now: NOW }),
    ]);
    await sender.close();
    expect([one, two]).toEqual([{ kind: 'delivered', status: 0 }, { kind: 'delivered', status: 0 }]);
    const expected = frame('a1', 'a1:1') + frame('a2', 'a2:1');
    await until(() => received[before]?.toString('utf8') === expected);
    expect([connections - before, received[before]?.toString('utf8')]).toEqual([1, expected]);
  });

  test('after the receiver closes the connection, the next alert goes over a new one', async () => {
    closeAfterFirst = true;
    const before = connections;
    const sender = createSender(destination({ type: 'cef-syslog', url: `tls://localhost:${port}`, caPem: cert.cert, allowPrivateNetwork: true }), DEPS);
    expect(await sender.send(sampleAlert({ id: 'b1' }), { idempotencyKey: 'b1:1', now: NOW })).toEqual({ kind: 'delivered', status: 0 });
    await until(() => received[before]?.toString('utf8') === frame('b1', 'b1:1'));
    // The receiver's side closes only once the client has seen its close and let the socket go.
    await until(() => closed[before] === true);
    expect(await sender.send(sampleAlert({ id: 'b2' }), { idempotencyKey: 'b2:1', now: NOW })).toEqual({ kind: 'delivered', status: 0 });
    await until(() => received[before + 1] !== undefined && received[before + 1]?.toString('utf8') === frame('b2', 'b2:1'));
    await sender.close();
    closeAfterFirst = false;
    expect([connections - before, received[before]?.toString('utf8'), received[before + 1]?.toString('utf8')]).toEqual([2, frame('b1', 'b1:1'), frame('b2', 'b2:1')]);
  });

  test('a receiver that is down is retried', async () => {
    const sender = createSender(destination({ type: 'cef-syslog', url: 'tls://127.0.0.1:1', allowPrivateNetwork: true }), DEPS);
    expect(await sender.send(sampleAlert(), { idempotencyKey: 'a:1', now: NOW })).toEqual({ kind: 'retry', error: '127.0.0.1: ECONNREFUSED' });
    await sender.close();
  });
});
