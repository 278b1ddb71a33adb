// One HTTP(S) request to a destination outside Vigil. node:http/https rather than fetch, because
// the socket's DNS lookup must be ours (the SSRF guard checks the address actually connected to)
// and redirects must never be followed.
import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { rootCertificates } from 'node:tls';
import { VigilError, isVigilError } from '../errors/index.js';
import { guardedLookup, parseTarget, type GuardOptions, type Target } from './guard.js';
import { networkError } from './network-error.js';

export interface OutboundRequest {
  method: 'POST' | 'PUT' | 'GET';
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface OutboundOptions extends GuardOptions {
  /** The whole exchange: connect, send, read the answer. */
  timeoutMs: number;
  /** Connecting (DNS + TCP + TLS); defaults to the smaller of timeoutMs and 10 s. */
  connectTimeoutMs?: number;
  /** Extra trusted CA (PEM), on top of Node's bundled roots: a receiver signed by a private CA. */
  caPem?: string;
  /** How much of the response body is kept; the rest is read and discarded. Default 64 KiB. */
  maxResponseBytes?: number;
}

export interface OutboundResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** UTF-8 text of the first maxResponseBytes of the body. */
  body: string;
  /** The body was longer than what `body` holds. */
  truncated: boolean;
}

const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * Sends one request and resolves with whatever status came back (3xx included: a redirect is an
 * answer, never followed). Rejects with a VigilError: `destination_refused` (not retriable: SSRF
 * guard, scheme, TLS verification) or `destination_unreachable` (retriable: DNS, connect, reset,
 * timeout).
 */
export function outboundRequest(req: OutboundRequest, opts: OutboundOptions): Promise<OutboundResponse> {
  let target: Target;
  try {
    target = parseTarget(req.url, ['http:', 'https:'], opts);
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
  const url = new URL(req.url);
  const body = req.body === undefined ? undefined : Buffer.from(req.body);
  const maxBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const connectTimeoutMs = opts.connectTimeoutMs ?? Math.min(opts.timeoutMs, 10_000);
  const common = {
    method: req.method,
    host: target.host,
    port: target.port,
    path: `${url.pathname}${url.search}`,
    headers: { ...req.headers, ...(body === undefined ? {} : { 'content-length': String(body.length) }), connection: 'close' },
    lookup: guardedLookup(opts),
    // A fresh connection per request: the lookup (and so the guard) runs for every request.
    agent: false as const,
  };
  return new Promise<OutboundResponse>((resolve, reject) => {
    const onResponse = (res: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      let kept = 0;
      let truncated = false;
      // NOTE: read to the end even past the cap, so the socket closes cleanly instead of a reset.
      res.on('data', (chunk: Buffer) => {
        if (kept >= maxBytes) return void (truncated = true);
        const slice = chunk.subarray(0, maxBytes - kept);
        if (slice.length < chunk.length) truncated = true;
        chunks.push(slice);
        kept += slice.length;
      });
      res.once('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(total);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), truncated });
      });
      res.once('error', (err) => fail(err));
    };
    let request: ClientRequest;
    try {
      request =
        target.protocol === 'https:'
          ? httpsRequest({ ...common, rejectUnauthorized: true, ...(opts.caPem === undefined ? {} : { ca: [...rootCertificates, opts.caPem] }) }, onResponse)
          : httpRequest(common, onResponse);
    } catch (cause) {
      // Thrown before any connection: a header with a line break (a bad token), for one.
      reject(new VigilError('destination_refused', `request to ${target.host} cannot be built: ${cause instanceof Error ? cause.message : String(cause)}`, { cause }));
      return;
    }
    let settled = false;
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(total);
      clearTimeout(connect);
      request.destroy();
      reject(isVigilError(err) ? err : networkError(err, target.host));
    };
    const total = setTimeout(() => fail(new VigilError('destination_unreachable', `no complete answer from ${target.host} within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    const connect = setTimeout(
      () => fail(new VigilError('destination_unreachable', `could not connect to ${target.host}:${target.port} within ${connectTimeoutMs} ms`)),
      connectTimeoutMs,
    );
    request.once('socket', (socket: Socket) => {
      const connected = (): void => clearTimeout(connect);
      socket.once(target.protocol === 'https:' ? 'secureConnect' : 'connect', connected);
    });
    request.once('response', () => clearTimeout(connect));
    request.once('error', fail);
    request.end(body);
  });
}
