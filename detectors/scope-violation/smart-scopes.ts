/**
 * SMART on FHIR scopes, v1 (`patient/Observation.read`, `user/*.write`, `system/*.*`) and v2
 * (`patient/Observation.rs`, `user/*.cruds`, `patient/Observation.rs?category=laboratory`).
 * Shared by the authorization detectors: scope-violation checks coverage, patient-context and
 * foreign-object ask whether a credential acts for one patient or for an organisation.
 */
export type ScopeContext = 'patient' | 'user' | 'system';

/** SMART v2 interaction letters: create, read, update, delete, search. */
export type Interaction = 'c' | 'r' | 'u' | 'd' | 's';

export interface SmartScope {
  context: ScopeContext;
  /** A FHIR resource type, or `*`. */
  type: string;
  /** Granted interactions; v1 `read` is `rs`, `write` is `cud`, `*` is all five. */
  interactions: ReadonlySet<Interaction>;
  /** The scope as granted, for evidence. */
  raw: string;
}

// v2 letters must appear in canonical order (c, r, u, d, s), each at most once.
const SCOPE_RE = /^(patient|user|system)\/([A-Z][A-Za-z]*|\*)\.(read|write|\*|c?r?u?d?s?)(?:\?.*)?$/;

const V1: Readonly<Record<string, readonly Interaction[]>> = {
  read: ['r', 's'],
  write: ['c', 'u', 'd'],
  '*': ['c', 'r', 'u', 'd', 's'],
};

/** One scope string, or undefined for anything that is not a SMART resource scope (openid, launch, ...). */
export function parseSmartScope(scope: string): SmartScope | undefined {
  const m = SCOPE_RE.exec(scope);
  if (m === null) return undefined;
  const [, context, type, access] = m as unknown as [string, ScopeContext, string, string];
  if (access === '') return undefined;
  const interactions = V1[access] ?? ([...access] as Interaction[]);
  return { context, type, interactions: new Set(interactions), raw: scope };
}

/**
 * `parseSmartScope(scope) !== undefined`, without building the scope: one regex test, no match
 * array, no Set. The type never holds a `.`, so the first `.` ends it, and the access part is
 * empty exactly when that `.` is followed by `?` or nothing (a letter there must be matched).
 */
export function isSmartScope(scope: string): boolean {
  if (!SCOPE_RE.test(scope)) return false;
  const after = scope.indexOf('.') + 1;
  return after < scope.length && scope.charCodeAt(after) !== QUESTION_MARK;
}

const QUESTION_MARK = 0x3f;

export function parseSmartScopes(scopes: readonly string[]): SmartScope[] {
  const out: SmartScope[] = [];
  for (const s of scopes) {
    const parsed = parseSmartScope(s);
    if (parsed !== undefined) out.push(parsed);
  }
  return out;
}

/**
 * Who a credential acts for, judged from its SMART scopes:
 * - `patient`: only patient/ scopes, so it may see one patient's compartment;
 * - `staff`: some user/ or system/ scope, so it acts for an organisation (a clinician, a backend);
 *   a `patient` claim on such a token is only the EHR launch context, not a restriction;
 * - `none`: no SMART resource scopes at all (opaque scopes, API keys, gateway users).
 */
export type AccessLevel = 'patient' | 'staff' | 'none';

export function accessLevel(scopes: readonly string[]): AccessLevel {
  let patient = false;
  for (const s of scopes) {
    // Cheap prefix test first: this runs on every event of three detectors.
    if (s.startsWith('user/') || s.startsWith('system/')) {
      if (isSmartScope(s)) return 'staff';
    } else if (!patient && s.startsWith('patient/') && isSmartScope(s)) {
      patient = true;
    }
  }
  return patient ? 'patient' : 'none';
}
