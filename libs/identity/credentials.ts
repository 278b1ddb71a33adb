import { queryPairs } from '../objects/query.js';

/** What the Authorization header carried, reduced to what identity resolution needs. */
export type AuthorizationInfo = { scheme: 'bearer'; token: string } | { scheme: 'basic'; username: string };

/**
 * Values gateways write in place of a secret. Kong's log serializer redacts Authorization by
 * default; a redacted header identifies nobody and must not be fingerprinted (all requests would
 * share one "credential").
 */
const REDACTED_RE = /^(?:\[?redacted\]?|<redacted>|\*+|x{3,}|-)$/i;

export function isRedacted(value: string): boolean {
  return REDACTED_RE.test(value.trim());
}

export function parseAuthorization(header: string | undefined): AuthorizationInfo | undefined {
  if (header === undefined || isRedacted(header)) return undefined;
  const trimmed = header.trim();
  const space = trimmed.indexOf(' ');
  if (space <= 0) return undefined;
  const scheme = trimmed.slice(0, space).toLowerCase();
  const value = trimmed.slice(space + 1).trim();
  if (value === '' || isRedacted(value)) return undefined;
  if (scheme === 'bearer') return { scheme: 'bearer', token: value };
  if (scheme === 'basic') {
    const username = basicUsername(value);
    return username === undefined ? undefined : { scheme: 'basic', username };
  }
  return undefined;
}

/** The user name of HTTP Basic credentials; the password is dropped here and goes no further. */
function basicUsername(encoded: string): string | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return decoded.slice(0, colon);
}

const QUERY_KEY_NAMES = ['apikey', 'api_key'];

/** An API key from the configured headers, else from an `apikey` / `api_key` query parameter. */
export function findApiKey(
  headers: Readonly<Record<string, string>>,
  headerNames: readonly string[],
  query: string | undefined,
): string | undefined {
  for (const name of headerNames) {
    const v = headers[name]?.trim();
    if (v !== undefined && v !== '' && !isRedacted(v)) return v;
  }
  // Cheap substring test first: most queries carry no key and parsing them would be wasted.
  if (query === undefined || !/api_?key/i.test(query)) return undefined;
  for (const [name, value] of queryPairs(query)) {
    if (QUERY_KEY_NAMES.includes(name.toLowerCase()) && value !== '' && !isRedacted(value)) return value;
  }
  return undefined;
}

/** A usable identity value from a header or mirror field: nginx writes "-" for an unset variable. */
export function identityValue(raw: string | undefined): string | undefined {
  const v = raw?.trim();
  return v === undefined || v === '' || isRedacted(v) ? undefined : v;
}
