// For tests of outbound connections: a self-signed certificate made by the real openssl, and a
// real HTTP(S) server on 127.0.0.1 that counts what reaches it.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface Cert {
  key: string;
  cert: string;
}

/** A P-256 certificate for localhost and 127.0.0.1, valid one day, written under `dir`. */
export async function selfSignedCert(dir: string): Promise<Cert> {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  await promisify(execFile)('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ]);
  return { key: await readFile(key, 'utf8'), cert: await readFile(cert, 'utf8') };
}

export interface TestServer {
  port: number;
  /** Requests that reached the handler. */
  hits: () => number;
  close: () => Promise<void>;
}

export async function startServer(handler: (req: IncomingMessage, res: ServerResponse) => void, tls?: Cert): Promise<TestServer> {
  let hits = 0;
  const counted = (req: IncomingMessage, res: ServerResponse): void => {
    hits++;
    handler(req, res);
  };
  const server: Server = tls === undefined ? createHttpServer(counted) : createHttpsServer(tls, counted);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
