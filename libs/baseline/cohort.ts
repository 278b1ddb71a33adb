import type { Principal } from '../contracts/index.js';

/**
 * The cohort a principal is compared with when its own history is short: same client application
 * and same scope set (order-insensitive). Principals without an app share the `-` app; that
 * cohort is broad (e.g. every API key without scopes), which is why it only ever stands in during
 * a principal's learning period.
 */
export function cohortKey(p: Pick<Principal, 'app' | 'scopes'>): string {
  const scopes = p.scopes.length <= 1 ? p.scopes : [...p.scopes].sort();
  return `${p.app ?? '-'}|${scopes.join(' ')}`;
}
