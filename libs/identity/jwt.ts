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

/** Roles past this many are not a role set but a directory's group list: cohorts of one, so left out. */
export const MAX_ROLES = 32;

/**
 * Roles an IdP put in claims other than `scope`, as `role:<name>` entries to add to the scopes:
 * `roles` or `role` (Entra ID app roles, many others), Keycloak's realm roles (`realm_access.roles`)
 * and the token's own client's roles (`resource_access.<client>.roles`), Cognito's `cognito:groups`,
 * and namespaced claims ending in `/roles` (Auth0's custom claims).
 * Sorted, deduplicated; none when there are more than MAX_ROLES.
 *
 * Why: detectors compare a principal with its cohort (app + scopes). Where the IdP tells an
 * administrator from a clerk by a role claim and both carry the same scopes, they were one cohort,
 * and bfla could not learn which functions only administrators use. `groups` claims (Okta, Entra
 * ID) are left out: they list directory groups, often dozens per user, which would split every
 * cohort into cohorts of one.
 */
export function rolesOf(claims: Claims, clientId: string | undefined): string[] {
  const out = new Set<string>();
  const add = (v: unknown) => {
    const parts = typeof v === 'string' ? v.split(/\s+/) : Array.isArray(v) ? v : [];
    for (const p of parts) if (typeof p === 'string' && p !== '') out.add(`role:${p}`);
  };
  add(claims.roles);
  add(claims.role);
  add(claims['cognito:groups']);
  // Auth0 requires custom claims to be namespaced: `https://example.org/roles`.
  for (const name of Object.keys(claims)) if (name.endsWith('/roles')) add(claims[name]);
  const realm = claims.realm_access;
  if (isRecord(realm)) add(realm.roles);
  const resources = claims.resource_access;
  const own = clientId === undefined || !isRecord(resources) ? undefined : resources[clientId];
  if (isRecord(own)) add(own.roles);
  return out.size > MAX_ROLES ? [] : [...out].sort();
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
