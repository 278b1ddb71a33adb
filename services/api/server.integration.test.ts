import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type ConnectionOptions } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient } from '../cli/api-client.js';
import { readRunInfo } from '../cli/run-info.js';
import { startVigil, type Running } from '../cli/start.js';

/**
 * TLS end to end: a real `vigil start` (in process, embedded store) serving a certificate that
 * openssl makes here, called by node:tls/https clients and by the CLI's own API client.
 */
const dir = mkdtempSync(join(tmpdir(), 'vigil-tls-'));
const dataDir = join(dir, 'data');
const certFile = join(dir, 'cert.pem');
const keyFile = join(dir, 'key.pem');
const otherCert = join(dir, 'other.pem');

function makeCert(cert: string, key: string): void {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=vigil.test', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
}

let running: Running;
let port = 0;

function get(path: string, opts: { ca?: string } = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca: opts.ca ?? readFileSync(certFile, 'utf8') }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Resolves with the negotiated protocol, or rejects with the handshake error's code. */
function handshake(opts: ConnectionOptions): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: readFileSync(certFile, 'utf8'), ...opts }, () => {
      const protocol = socket.getProtocol();
      socket.end();
      resolve(protocol);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => reject(new Error(e.code ?? e.message)));
  });
}

beforeAll(async () => {
  makeCert(certFile, keyFile);
  makeCert(otherCert, join(dir, 'other-key.pem'));
  const out: string[] = [];
  running = await startVigil(
    {
      out: (t) => out.push(t),
      err: (t) => out.push(t),
      env: { VIGIL_DATA_DIR: dataDir, VIGIL_PORT: '0', VIGIL_LOG_LEVEL: 'silent', VIGIL_TOKENIZATION_KEY: 'b2'.repeat(32), VIGIL_TLS_CERT_FILE: certFile, VIGIL_TLS_KEY_FILE: keyFile },
      tty: false,
    },
    {},
    { handleSignals: false },
  );
  port = Number(new URL(running.url).port);
});

afterAll(async () => {
  await running.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('vigil start with VIGIL_TLS_CERT_FILE and VIGIL_TLS_KEY_FILE', () => {
  it('listens on https and says so', () => {
    expect(running.url).toBe(`https://127.0.0.1:${port}`);
  });

  it('answers over https with Strict-Transport-Security for one year including subdomains', async () => {
    const res = await get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toBe('{"status":"ok"}');
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  });

  it('refuses a TLS 1.1 client with a protocol version alert and accepts TLS 1.2', async () => {
    // SECLEVEL=0 lets this client offer TLS 1.1 at all, so the refusal below is the server's.
    const legacy = { ciphers: 'DEFAULT@SECLEVEL=0', minVersion: 'TLSv1.1' } as const;
    await expect(handshake({ ...legacy, maxVersion: 'TLSv1.1' })).rejects.toThrow('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
    await expect(handshake({ ...legacy, maxVersion: 'TLSv1.2' })).resolves.toBe('TLSv1.2');
  });

  it('records the served certificate in run/api.json so the CLI reaches the API with it pinned', async () => {
    const info = readRunInfo(dataDir);
    expect(info?.url).toBe(running.url);
    expect(info?.tls?.certFile).toBe(certFile);
    expect(info?.tls?.certSha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const client = createApiClient(info as NonNullable<typeof info>);
    const keys = await client.call<{ keys: unknown[] }>('GET', '/v1/keys');
    expect(keys.keys).toEqual([]);
  });

  it('makes the CLI client refuse a server whose certificate is not the recorded one', async () => {
    const info = readRunInfo(dataDir) as NonNullable<ReturnType<typeof readRunInfo>>;
    // Same server, but the pin names another certificate: as if something else took the port.
    const other = execFileSync('openssl', ['x509', '-in', otherCert, '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' }).trim().split('=')[1] as string;
    const client = createApiClient({ ...info, tls: { certFile, certSha256: other } });
    await expect(client.call('GET', '/v1/keys')).rejects.toThrow(`is not the one vigil start recorded (${other})`);
  });
});

describe('TLS configuration errors', () => {
  it('names both variables when only the certificate is set', async () => {
    const io = { out: () => undefined, err: () => undefined, env: { VIGIL_DATA_DIR: join(dir, 'half'), VIGIL_TLS_CERT_FILE: certFile }, tty: false };
    await expect(startVigil(io, {}, { handleSignals: false })).rejects.toThrow(
      'invalid configuration: VIGIL_TLS_CERT_FILE: set both tlsCertFile and tlsKeyFile (VIGIL_TLS_CERT_FILE, VIGIL_TLS_KEY_FILE) for TLS, or neither for plain HTTP',
    );
  });
});

