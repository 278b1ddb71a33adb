import { FHIR_RESOURCE_TYPES } from '../../libs/routes/index.js';

/**
 * Why a (method, route template) may be a privileged function. A heuristic, deliberately broad:
 * it only nominates candidates. `role_path` is not named here but learned (role.ts): a function
 * only the same app's principals with more scopes use. A candidate is reported only when the caller's cohort never uses
 * it (see index.ts), so an admin console whose users live on /admin is quiet.
 */
export type PrivilegeReason = 'admin_path' | 'destructive_operation' | 'delete' | 'clinical_update' | 'role_path';

/** Path words that name administrative or internal surfaces (compared lowercased, whole segments). */
const ADMIN_WORDS: ReadonlySet<string> = new Set([
  'admin', 'admins', 'administration', 'administrator', 'internal', 'manage', 'management', 'actuator',
  'debug', 'console', 'superuser', 'sudo', 'backoffice', 'impersonate', 'sysadmin', 'ops',
  // Who may do what: changing a role or a permission is the escalation itself.
  'role', 'roles', 'permission', 'permissions', 'privileges', 'entitlements', 'acl', 'acls', 'impersonation',
]);

/**
 * FHIR operations that destroy, merge or re-index data (HAPI, Smile, Aidbox, IBM/LinuxForHealth,
 * and the Patient $merge of FHIR R5). `$export` is not here: bulk reads are data exfiltration's concern.
 */
const DESTRUCTIVE_OPERATIONS: ReadonlySet<string> = new Set([
  '$purge', '$erase', '$expunge', '$delete-expunge', '$merge', '$unmerge', '$reindex', '$mark-all-resources-for-reindexing',
  '$import', '$meta-delete', '$purge-history', '$hard-delete',
]);

export function privilegeOf(method: string, route: string): PrivilegeReason | undefined {
  const segments = route.split('/');
  let fhirType = false;
  for (const s of segments) {
    if (s === '') continue;
    if (s.startsWith('$')) {
      if (DESTRUCTIVE_OPERATIONS.has(s.toLowerCase())) return 'destructive_operation';
      continue;
    }
    if (ADMIN_WORDS.has(s.toLowerCase())) return 'admin_path';
    if (FHIR_RESOURCE_TYPES.has(s)) fhirType = true;
  }
  const m = method.toUpperCase();
  if (m === 'DELETE') return 'delete';
  // Updates of FHIR resources rewrite the clinical record; updates of one's own profile on a
  // custom API (PUT /users/me) are everyday, so only FHIR types count.
  if ((m === 'PUT' || m === 'PATCH') && fhirType) return 'clinical_update';
  return undefined;
}

/** Reasons whose successful use destroys or rewrites data: reported as critical. */
export function isDestructive(reason: PrivilegeReason): boolean {
  return reason === 'destructive_operation' || reason === 'delete';
}
