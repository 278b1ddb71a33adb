import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { rootCertificates, type PeerCertificate } from 'node:tls';
import { VigilError } from '../../libs/errors/index.js';
import type { RunInfo } from './run-info.js';

const TIMEOUT_MS = 30_000;

/**
 * TLS options that trust exactly the certificate `vigil start` serves: its fingerprint is pinned
 * (checkServerIdentity), and the chain must still verify against the served certificate itself
 * (self-signed), the configured CA file, or the public roots. The host name is not checked: the
 * URL is the listen address (often 127.0.0.1), and the pin is stricter than a name match.
 */
function pinnedTls(tls: NonNullable<RunInfo['tls']>): RequestOptions & { ca: string[]; checkServerIdentity: (host: string, cert: PeerCertificate) => Error | undefined } {
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (cause) {
      throw new VigilError('config_invalid', `cannot read ${path}, the certificate the running vigil start serves`, { cause });
    }
  };
  const ca = [read(tls.certFile), ...(tls.caFile ? [read(tls.caFile)] : []), ...rootCertificates];
  return {
    ca,
    // NOTE: no shared agent: a pooled socket or resumed session from another client would skip
    // checkServerIdentity, and with it the pin.
    agent: false,
    checkServerIdentity: (_host, cert) =>
      cert.fingerprint256 === tls.certSha256 ? undefined : new Error(`the API's certificate (${cert.fingerprint256}) is not the one vigil start recorded (${tls.certSha256})`),
  };
}

function send(url: URL, opts: RequestOptions, body: string | undefined): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    };
    const req = url.protocol === 'https:' ? httpsRequest(url, opts, onResponse) : httpRequest(url, opts, onResponse);
    req.setTimeout(TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Calls the API of a running `vigil start` with the local CLI key, over http or pinned https. */
export function createApiClient(info: RunInfo & { key: string }) {
  const tlsOptions = info.tls && new URL(info.url).protocol === 'https:' ? pinnedTls(info.tls) : {};
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: { status: number; text: string };
    const payload = body === undefined ? undefined : JSON.stringify(body);
    try {
      res = await send(
        new URL(path, info.url),
        {
          method,
          headers: { authorization: `Bearer ${info.key}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
          ...tlsOptions,
        },
        payload,
      );
    } catch (cause) {
      const why = cause instanceof Error ? `: ${cause.message}` : '';
      throw new VigilError('store_unavailable', `the data directory is locked by vigil start (pid ${info.pid}) but its API at ${info.url} does not answer${why}`, { cause });
    }
    if (res.status < 200 || res.status >= 300) {
      throw new VigilError('internal', `API ${method} ${path} answered ${res.status}: ${res.text.slice(0, 500)}`);
    }
    return (res.text ? JSON.parse(res.text) : undefined) as T;
  }
  return { call, url: info.url, pid: info.pid };
}
export type ApiClient = ReturnType<typeof createApiClient>;
