import type { Principal } from '../libs/contracts/index.js';
import { cohortKey, createPrincipalMemo, roleKey, COHORT_MEMO_CAPACITY, type PrincipalMemo } from '../libs/baseline/index.js';
import { accessLevel, isSmartScope, type AccessLevel } from './scope-violation/smart-scopes.js';

/**
 * What detectors derive from a principal's `app` and `scopes` alone, derived once for all of them:
 * services/registry.ts hands one memo of these to every detector that needs some of it, so an
 * event costs one lookup by principal id instead of one per detector (eight, each its own memo,
 * each a likely CPU cache miss with 100k+ principals), and a new principal one derivation.
 */
export interface PrincipalTraits {
  /** libs/baseline's cohortKey: same app, same scope set in any order (static API keys: scope set only). */
  readonly cohort: string;
  /** libs/baseline's roleKey: the app (a static key's gateway consumer too) and scope set; bfla's cohort. */
  readonly role: string;
  /** The scopes joined in their own order: scope-violation's key for a parsed scope set. */
  readonly scopeSet: string;
  /** Some SMART `system/` scope: a client-credentials backend (foreign-object does not judge those). */
  readonly system: boolean;
  readonly level: AccessLevel;
}

export type TraitsMemo = PrincipalMemo<PrincipalTraits>;

export function principalTraits(p: Pick<Principal, 'app' | 'scopes'> & Partial<Pick<Principal, 'authScheme'>>): PrincipalTraits {
  const cohort = cohortKey(p);
  const role = p.authScheme === 'apikey' ? roleKey(p) : cohort;
  return { cohort, role, scopeSet: p.scopes.join(' '), system: isSystem(p.scopes), level: accessLevel(p.scopes) };
}

/** `principalTraits`, memoized per principal id (always exactly principalTraits(p): see createPrincipalMemo). */
export function createTraitsMemo(capacity = COHORT_MEMO_CAPACITY): TraitsMemo {
  return createPrincipalMemo(capacity, principalTraits);
}

/**
 * A machine credential: an API key or a client-credentials app, one service rather than a person.
 * Services are regular (one home, scheduled batches) and act for many people, so token-misuse,
 * bola/enumeration and bola/foreign-object judge them apart from users.
 */
export function isMachine(p: Pick<Principal, 'kind'>): boolean {
  return p.kind === 'apikey' || p.kind === 'app';
}

/** What a detector factory takes besides its config: the shared memo, or its own when alone (tests). */
export interface TraitsDeps {
  traits?: TraitsMemo;
}

function isSystem(scopes: readonly string[]): boolean {
  return scopes.some((s) => s.startsWith('system/') && isSmartScope(s));
}
