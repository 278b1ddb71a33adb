import type { NormalizedEvent } from '../../libs/contracts/index.js';
import { createBoundedCache, decodeCache, encodeCache } from '../../libs/cache/index.js';

/**
 * Which routes are login / token routes. By name first (`/token`, `/oauth2/token`, `/login`,
 * `/auth/...`, `/session`, MFA verification), then learned: a route where requests carrying no
 * bearer token or API key are answered 401 from several IPs is a login form, whatever its name.
 * On those routes a 400 is a failed login too (OAuth token endpoints answer `invalid_grant` with 400).
 */
export interface AuthRoutes {
  /** Learns from the event and says whether its route is an authentication route. */
  observe(event: NormalizedEvent): boolean;
  /** What was learned (routes -> IPs answered 401 without credentials), as JSON for a snapshot. */
  encode(): unknown;
  /** Loads what `encode` returned, all or nothing; false for a value it could not have written. */
  load(v: unknown): boolean;
}

const AUTH_WORD =
  /^(token|tokens|login|logon|signin|sign-in|auth|authenticate|authn|oauth|oauth2|oidc|openid-connect|session|sessions|sso|saml|mfa|2fa|otp)$/i;
const WRITE = new Set(['POST', 'PUT']);
/** Distinct IPs answered 401 without a bearer/API key before a route is learned as a login route. */
const LEARN_IPS = 3;
const ROUTE_CAP = 10_000;

export function isAuthRouteByName(route: string): boolean {
  for (const seg of route.split('/')) if (AUTH_WORD.test(seg)) return true;
  return false;
}

export function createAuthRoutes(): AuthRoutes {
  // A memo of isAuthRouteByName, so keyed by the route alone: a string the event holds, not one built per event.
  const byName = createBoundedCache<boolean>(ROUTE_CAP);
  // Per service and route: the IPs whose credential-less POSTs were answered 401 (up to LEARN_IPS).
  const learned = createBoundedCache<Set<string>>(ROUTE_CAP);
  return {
    observe(event) {
      if (!WRITE.has(event.method)) return false;
      let named = byName.get(event.route);
      if (named === undefined) byName.set(event.route, (named = isAuthRouteByName(event.route)));
      if (named) return true;
      const key = `${event.service} ${event.route}`;
      let seen = learned.get(key);
      const credentialLess = event.principal.authScheme === 'none' || event.principal.authScheme === 'basic';
      if (event.status === 401 && credentialLess && (seen === undefined || seen.size < LEARN_IPS)) {
        if (seen === undefined) learned.set(key, (seen = new Set([event.clientIp])));
        else seen.add(event.clientIp);
      }
      return (seen?.size ?? 0) >= LEARN_IPS;
    },
    // The names are a memo of isAuthRouteByName: only what was learned is saved.
    encode: () => encodeCache(learned, (ips) => [...ips]),
    load: (v) => decodeCache(v, ROUTE_CAP, decodeIps, learned) !== undefined,
  };
}

function decodeIps(v: unknown): Set<string> | undefined {
  if (!Array.isArray(v) || v.length === 0 || v.length > LEARN_IPS || !v.every((x) => typeof x === 'string')) return undefined;
  return new Set(v);
}
