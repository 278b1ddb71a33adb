import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type RequestListener, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ApiSecurityConfig } from '../../libs/contracts/api-config.js';
import { VigilError } from '../../libs/errors/index.js';

/** What the API serves over TLS; the key stays in this object and the server, never in logs. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  /** SHA-256 fingerprint of the leaf certificate (`AB:CD:...`), which the local CLI pins. */
  certSha256: string;
}

export type ApiServer = HttpServer | HttpsServer;

export interface Listening {
  server: ApiServer;
  /** e.g. https://127.0.0.1:8443 (IPv6 hosts in brackets). */
  url: string;
  tls: TlsMaterial | undefined;
  /** Stops accepting connections, lets requests in flight finish, resolves when the server is closed. */
  close(): Promise<void>;
}

function readPem(path: string, variable: string): Buffer {
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new VigilError('config_invalid', `${variable}: cannot read ${path}`, { cause });
  }
}

/**
 * Reads the certificate and key named in config, or undefined for plain HTTP. Errors name the
 * variable and the file but never print the key's contents.
 */
export function loadTls(cfg: Pick<ApiSecurityConfig, 'tlsCertFile' | 'tlsKeyFile'>): TlsMaterial | undefined {
  if (cfg.tlsCertFile === undefined && cfg.tlsKeyFile === undefined) return undefined;
  if (cfg.tlsCertFile === undefined || cfg.tlsKeyFile === undefined) {
    throw new VigilError('config_invalid', 'set both VIGIL_TLS_CERT_FILE and VIGIL_TLS_KEY_FILE (api.tlsCertFile, api.tlsKeyFile) for TLS, or neither');
  }
  const cert = readPem(cfg.tlsCertFile, 'VIGIL_TLS_CERT_FILE');
  const key = readPem(cfg.tlsKeyFile, 'VIGIL_TLS_KEY_FILE');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch (cause) {
    throw new VigilError('config_invalid', `VIGIL_TLS_CERT_FILE: ${cfg.tlsCertFile} is not a PEM certificate`, { cause });
  }
  return { cert, key, certSha256: leaf.fingerprint256 };
}

/**
 * Listens with node:https when TLS material is given (TLS 1.2 minimum, Node's default ciphers),
 * else node:http. A certificate that does not match its key fails here, at start, with a clear
 * error rather than on the first handshake.
 */
export async function listenApi(app: RequestListener, opts: { host: string; port: number; tls: TlsMaterial | undefined }): Promise<Listening> {
  let server: ApiServer;
  if (opts.tls) {
    try {
      server = createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key, minVersion: 'TLSv1.2' }, app);
    } catch (cause) {
      throw new VigilError('config_invalid', 'VIGIL_TLS_CERT_FILE / VIGIL_TLS_KEY_FILE: the key does not match the certificate or is not a PEM private key', { cause });
    }
  } else {
    server = createHttpServer(app);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `${opts.tls ? 'https' : 'http'}://${host}:${port}`;
  return {
    server,
    url,
    tls: opts.tls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          server.closeAllConnections();
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
