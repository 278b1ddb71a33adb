import type { Principal } from '../contracts/index.js';

/**
 * The cohort a principal is compared with when its own history is short: same client application
 * and same scope set (order-insensitive). Principals without an app share the `-` app; that
 * cohort is broad (e.g. every API key without scopes), which is why it only ever stands in during
 * a principal's learning period.
 *
 * A static API key (`authScheme` apikey) is compared without its app: the app of a key is the
 * gateway consumer the key belongs to (Kong key-auth), the very party the key names, so each
 * partner would be a cohort of its own and never be compared with its peers (an independent probe,
 * 2026-11-30: a clearinghouse partner reading claims other partners created was not caught, and
 * each partner's remittance files never became routine). Opaque bearer tokens keep their app: the
 * consumer there is the application many users' tokens share.
 */
export function cohortKey(p: Pick<Principal, 'app' | 'scopes'> & Partial<Pick<Principal, 'authScheme'>>): string {
  return p.authScheme === 'apikey' ? keyOf(undefined, p.scopes) : keyOf(p.app, p.scopes);
}

/**
 * The role a principal was given: its app (for a static API key, the gateway consumer it belongs
 * to) and scope set. bfla judges functions by role: a partner's key calling the admin API that an
 * internal integration's key uses every day is still a function its role never used.
 */
export function roleKey(p: Pick<Principal, 'app' | 'scopes'>): string {
  return keyOf(p.app, p.scopes);
}

function keyOf(app: string | undefined, scopes: readonly string[]): string {
  const sorted = scopes.length <= 1 ? scopes : [...scopes].sort();
  return `${app ?? '-'}|${sorted.join(' ')}`;
}
