import type { ProfileMap, Tracked } from '../../libs/baseline/index.js';
import { isSmartScope } from '../scope-violation/smart-scopes.js';
import type { CohortUse } from './cohort.js';

/**
 * Scopes that say what a token may carry or how it was launched, not what its holder's role is
 * (OpenID Connect, SMART launch context). Patients choose scopes at consent (ONC Cures Act): a
 * patient who declined `offline_access` is no lesser role.
 */
const CONTEXT_SCOPES: ReadonlySet<string> = new Set([
  'openid', 'profile', 'email', 'address', 'phone', 'fhirUser', 'offline_access', 'online_access',
  'launch', 'launch/patient', 'launch/encounter',
]);

/**
 * A scope that names a role: neither context nor a SMART resource scope. What SMART scopes allow is
 * scope-violation's to judge (exactly, per resource); a cohort short of one is no lesser role
 * either: a patient app's users consent to different resource types.
 */
function isRoleScope(scope: string): boolean {
  return !CONTEXT_SCOPES.has(scope) && !isSmartScope(scope);
}

/**
 * Functions of a role, learned from traffic: a (method, route) that only principals of the same app
 * holding more scopes use (a clinic's administrators, `openid api admin:clinic`, listing and
 * changing users) is privileged for the app's principals without those scopes, whatever its name.
 * privilege.ts only knows names (admin paths, destructive operations); a custom API's
 * `GET /clinics/{id}/users` has none.
 */
export interface RoleEvidence {
  /** The cohort (role key) with more scopes that uses the function. */
  cohort: string;
  /** Scopes it holds that the caller's role lacks. */
  extraScopes: string[];
}

interface Role {
  app: string;
  scopes: ReadonlySet<string>;
}

/** libs/baseline roleKey is `${app}|${scopes sorted, space-separated}`; scopes never hold a `|`. */
function parseRole(key: string): Role {
  const bar = key.lastIndexOf('|');
  const scopes = key.slice(bar + 1);
  return { app: key.slice(0, bar), scopes: new Set(scopes === '' ? [] : scopes.split(' ')) };
}

function within(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  for (const s of a) if (!b.has(s)) return false;
  return true;
}

/** The same app's other cohorts, parsed once per set of cohorts (rebuilt when a cohort appears or goes). */
export interface SiblingMemo {
  size: number;
  byKey: Map<string, { own: Role; siblings: { tracked: Tracked<CohortUse>; role: Role }[] }>;
}

export const newSiblingMemo = (): SiblingMemo => ({ size: -1, byKey: new Map() });

/**
 * Evidence that `pair` is a function of a role above `own`'s: a learned cohort of the same app whose
 * scopes strictly include `own`'s, one of the extra ones naming a role (`isRoleScope`), uses it, and
 * no cohort of the app with no scope beyond `own`'s does (a function everyone may use is nobody's
 * privilege). Undefined otherwise.
 */
export function roleOnly(
  cohorts: ProfileMap<CohortUse>,
  own: Tracked<CohortUse>,
  pair: string,
  memo: SiblingMemo,
): RoleEvidence | undefined {
  if (memo.size !== cohorts.size) {
    memo.size = cohorts.size;
    memo.byKey.clear();
  }
  let entry = memo.byKey.get(own.key);
  if (entry === undefined) {
    const role = parseRole(own.key);
    const siblings: { tracked: Tracked<CohortUse>; role: Role }[] = [];
    for (const t of cohorts.entries()) {
      if (t.key === own.key) continue;
      const r = parseRole(t.key);
      if (r.app === role.app) siblings.push({ tracked: t, role: r });
    }
    entry = { own: role, siblings };
    memo.byKey.set(own.key, entry);
  }
  let found: RoleEvidence | undefined;
  for (const { tracked, role } of entry.siblings) {
    if (!tracked.profile.routes.has(pair)) continue;
    if (within(role.scopes, entry.own.scopes)) return undefined;
    if (found === undefined && within(entry.own.scopes, role.scopes) && !cohorts.learning(tracked)) {
      const extraScopes = [...role.scopes].filter((s) => !entry.own.scopes.has(s));
      if (extraScopes.some(isRoleScope)) found = { cohort: tracked.key, extraScopes };
    }
  }
  return found;
}
