// A raw TCP or TLS connection to a destination (CEF over syslog), through the same SSRF guard and
// TLS verification as HTTP requests.
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, rootCertificates } from 'node:tls';
import { VigilError, isVigilError } from '../errors/index.js';
import { guardedLookup, parseTarget, type GuardOptions, type Target } from './guard.js';
import { networkError } from './network-error.js';

export interface SocketOptions extends GuardOptions {
  /** Connecting: DNS, TCP and the TLS handshake. */
  connectTimeoutMs: number;
  /** Extra trusted CA (PEM) for tls://, on top of Node's bundled roots. */
  caPem?: string;
}

/** Opens `tcp://host:port` or `tls://host:port` (TLS verified, SNI sent for host names). */
export function openSocket(url: string, opts: SocketOptions): Promise<Socket> {
  let target: Target;
  try {
    target = parseTarget(url, ['tcp:', 'tls:'], opts);
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
  const { host, port, protocol } = target;
  return new Promise<Socket>((resolve, reject) => {
    const base = { host, port, lookup: guardedLookup(opts) };
    let socket: Socket;
    try {
      socket =
        protocol === 'tls:'
          ? tlsConnect({
              ...base,
              rejectUnauthorized: true,
              // SNI must be a host name, never an IP address (RFC 6066).
              ...(isIP(host) === 0 ? { servername: host } : {}),
              ...(opts.caPem === undefined ? {} : { ca: [...rootCertificates, opts.caPem] }),
            })
          : netConnect(base);
    } catch (cause) {
      // Thrown before any connection (invalid options); an unreadable caPem only fails verification later.
      reject(new VigilError('destination_refused', `connection to ${host} cannot be set up: ${cause instanceof Error ? cause.message : String(cause)}`, { cause }));
      return;
    }
    const fail = (err: unknown): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(isVigilError(err) ? err : networkError(err, host));
    };
    const timer = setTimeout(() => fail(new VigilError('destination_unreachable', `could not connect to ${host}:${port} within ${opts.connectTimeoutMs} ms`)), opts.connectTimeoutMs);
    socket.once('error', fail);
    socket.once(protocol === 'tls:' ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      socket.off('error', fail);
      resolve(socket);
    });
  });
}
