// The SSRF guard: which URLs and resolved addresses an outbound connection may reach. The same
// check runs when a destination is created (checkDestinationUrl) and inside the socket's DNS lookup
// at connect time, so a name that resolved to a public address at creation and to 127.0.0.1 later
// (DNS rebinding) is still refused: the address checked is the address connected to.
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { VigilError } from '../errors/index.js';
import { addressKind } from './address.js';

/** Resolves a host name to every address it has (dns.lookup, so /etc/hosts counts, as for any client). */
export type Resolve = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolve: Resolve = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export interface GuardOptions {
  /** Let the target be loopback, private or link-local (a SIEM inside the same network). */
  allowPrivateNetwork?: boolean;
  /** Injected in tests to play DNS (rebinding); the system resolver otherwise. */
  resolve?: Resolve;
}

export interface Target {
  protocol: 'http:' | 'https:' | 'tcp:' | 'tls:';
  /** Host name or IP address without IPv6 brackets. */
  host: string;
  port: number;
}

const DEFAULT_PORTS: Record<Target['protocol'], number | undefined> = { 'http:': 80, 'https:': 443, 'tcp:': undefined, 'tls:': undefined };

function refused(message: string, details?: unknown): VigilError {
  return new VigilError('destination_refused', message, { details });
}

/** Parses `url` and checks its scheme is one of `schemes`; a literal IP is checked here (no DNS lookup happens for it). */
export function parseTarget(url: string, schemes: ReadonlyArray<Target['protocol']>, opts: GuardOptions = {}): Target {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new VigilError('destination_refused', 'destination URL is not a valid URL', { cause });
  }
  const protocol = parsed.protocol as Target['protocol'];
  if (!schemes.includes(protocol)) throw refused(`destination URL scheme ${parsed.protocol} is not allowed here (use ${schemes.join(' or ')})`);
  if (parsed.username !== '' || parsed.password !== '') throw refused('destination URL must not carry credentials (use the secret or token field)');
  const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  const port = parsed.port === '' ? DEFAULT_PORTS[protocol] : Number(parsed.port);
  if (port === undefined) throw refused(`destination URL ${protocol}// needs a port`);
  if (host === '') throw refused('destination URL has no host');
  if (isIP(host) !== 0) checkAddress(host, host, opts);
  return { protocol, host, port };
}

/** Throws destination_refused when `address` (what `host` resolved to) is not public and private targets are not allowed. */
export function checkAddress(host: string, address: string, opts: GuardOptions): void {
  if (opts.allowPrivateNetwork === true) return;
  const kind = addressKind(address);
  if (kind === undefined) return;
  const via = host === address ? '' : ` (${host} resolves to ${address})`;
  throw refused(`destination ${address}${via} is a ${kind} address; set allowPrivateNetwork on the destination to allow it`, { host, address, kind });
}

/** Every address of `host`, all checked: one private address among public ones refuses the host. */
export async function resolveChecked(host: string, opts: GuardOptions): Promise<LookupAddress[]> {
  if (isIP(host) !== 0) {
    checkAddress(host, host, opts);
    return [{ address: host, family: isIP(host) }];
  }
  let addresses: LookupAddress[];
  try {
    addresses = await (opts.resolve ?? systemResolve)(host);
  } catch (cause) {
    throw new VigilError('destination_unreachable', `cannot resolve ${host}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, { cause });
  }
  if (addresses.length === 0) throw new VigilError('destination_unreachable', `cannot resolve ${host}: no addresses`);
  for (const a of addresses) checkAddress(host, a.address, opts);
  return addresses;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for net/tls/http sockets that resolves and checks at connect time. Node calls it with
 * `{ all: true }` when it tries several addresses (autoSelectFamily), else wants one address.
 */
export function guardedLookup(opts: GuardOptions) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    resolveChecked(hostname, opts).then(
      (addresses) => {
        if (options.all === true) callback(null, addresses);
        else callback(null, addresses[0]?.address ?? '', addresses[0]?.family ?? 4);
      },
      (err: unknown) => callback(err as NodeJS.ErrnoException, ''),
    );
  };
}

/**
 * For the API when a destination is created or changed: the URL's scheme is allowed for its type
 * and its host resolves to public addresses only (unless allowPrivateNetwork). Throws the error a
 * send would fail with.
 */
export async function checkDestinationUrl(
  url: string,
  opts: GuardOptions & { schemes?: ReadonlyArray<Target['protocol']> } = {},
): Promise<void> {
  const target = parseTarget(url, opts.schemes ?? ['http:', 'https:', 'tcp:', 'tls:'], opts);
  await resolveChecked(target.host, opts);
}
