/**
 * Reads JWT claims without verifying the signature.
 * NOTE: this is safe only because Vigil watches traffic the gateway already authenticated; the
 * claims are used to name principals, never to grant anything.
 */

export type Claims = Readonly<Record<string, unknown>>;

/** base64url per RFC 7515, padding optional; standard base64 tolerated from sloppy issuers. */
const SEGMENT_RE = /^[A-Za-z0-9_\-+/]+={0,2}$/;

/**
 * The payload of a compact JWS (header.payload.signature) as an object, or undefined when the
 * token is opaque, encrypted (JWE has five parts) or malformed.
 */
export function decodeJwtPayload(token: string): Claims | undefined {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first <= 0 || second < 0 || token.indexOf('.', second + 1) >= 0) return undefined;
  const header = parseSegment(token.slice(0, first));
  if (header === undefined) return undefined;
  return parseSegment(token.slice(first + 1, second));
}

function parseSegment(segment: string): Claims | undefined {
  if (!SEGMENT_RE.test(segment)) return undefined;
  try {
    // Node's base64 decoder accepts both alphabets and missing padding.
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Claims) : undefined;
  } catch {
    return undefined;
  }
}

/** A claim as a non-empty string; numeric claims (some IdPs emit numeric `sub`) become strings. */
export function stringClaim(claims: Claims, name: string): string | undefined {
  const v = claims[name];
  if (typeof v === 'string') return v.trim() === '' ? undefined : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/**
 * OAuth scopes from `scope` (space-separated, RFC 8693) or `scp` (array in Okta, space-separated
 * string in Entra ID). Deduplicated, in first-seen order.
 */
export function scopesOf(claims: Claims): string[] {
  const out = new Set<string>();
  for (const name of ['scope', 'scp']) {
    const v = claims[name];
    const parts = typeof v === 'string' ? v.split(/\s+/) : Array.isArray(v) ? v : [];
    for (const p of parts) if (typeof p === 'string' && p !== '') out.add(p);
  }
  return [...out];
}
