import type { Finding, NormalizedEvent, Severity } from '../../libs/contracts/index.js';
import { createRouteMemo } from '../../libs/baseline/index.js';
import { createTraitsMemo, type TraitsDeps } from '../principal-traits.js';
import { createBoundedCache, type BoundedCache } from '../../libs/cache/index.js';
import type { Detector } from '../framework.js';
import { findingAbout } from '../framework.js';
import { fhirRequest, type FhirRequest } from './fhir-request.js';
import { newCohortGaps, recordGap, seePrincipal, type CohortGaps, type GapVerdict } from './gaps.js';
import { parseSmartScopes, type SmartScope } from './smart-scopes.js';

export const NAME = 'scope-violation';
/**
 * API5 (broken function level authorization) when the request writes, API1 (broken object level
 * authorization) when it reads a resource type the token was never granted.
 */
export const OWASP_WRITE = 'API5:2023';
export const OWASP_READ = 'API1:2023';

export interface ScopeViolationConfig {
  /** Distinct scope sets whose parsed form is memoized (a deployment has a few dozen). */
  scopeSetCacheSize: number;
  cohortCap: number;
  /**
   * An uncovered (type, interaction) done by this many principals of one cohort, and at least
   * `systemicShare` of the cohort, is the app's systemic gap: reported once, then no more.
   */
  systemicMinPrincipals: number;
  systemicShare: number;
}

export const DEFAULTS: ScopeViolationConfig = { scopeSetCacheSize: 4096, cohortCap: 10_000, systemicMinPrincipals: 3, systemicShare: 0.05 };

export interface ScopeViolationState {
  parsed: BoundedCache<SmartScope[]>;
  cohorts: BoundedCache<CohortGaps>;
}

const INTERACTION_NAMES = { c: 'create', r: 'read', u: 'update', d: 'delete', s: 'search' } as const;
/** The request and the grant are both in the log: nothing is inferred. */
const CONFIDENCE = 0.95;
/** Systemic: certain the API does not enforce the scope, less certain anyone means harm. */
const SYSTEMIC_CONFIDENCE = 0.8;

/**
 * Scope violation: the API answered 2xx to a FHIR request the principal's SMART scopes do not
 * cover (a `patient/Observation.read` token reading MedicationRequest, a read-only token writing).
 * Direct evidence that the API's own authorization is broken, so there is no learning period.
 * Principals without SMART resource scopes (opaque scopes, API keys) are never judged.
 */
export function createScopeViolationDetector(cfg: ScopeViolationConfig = DEFAULTS, deps: TraitsDeps = {}): Detector<ScopeViolationState> {
  // Per principal id, the cohort key and the scope set's cache key: building them (sort, join) on
  // every event cost more than the check. From the memo services/registry.ts shares between detectors.
  const keysOf = deps.traits ?? createTraitsMemo();
  const requestOf = createRouteMemo(fhirRequest);
  const systemic = { minPrincipals: cfg.systemicMinPrincipals, share: cfg.systemicShare };
  return {
    name: NAME,
    owasp: OWASP_WRITE,
    createState: () => ({
      parsed: createBoundedCache<SmartScope[]>(cfg.scopeSetCacheSize),
      cohorts: createBoundedCache<CohortGaps>(cfg.cohortCap),
    }),
    detect(event, state) {
      const scopes = event.principal.scopes;
      if (scopes.length === 0) return [];
      const keys = keysOf(event.principal);
      let smart = state.parsed.get(keys.scopeSet);
      if (smart === undefined) {
        smart = parseSmartScopes(scopes);
        state.parsed.set(keys.scopeSet, smart);
      }
      if (smart.length === 0) return [];
      const cohort = state.cohorts.getOrCreate(keys.cohort, newCohortGaps);
      seePrincipal(cohort, event.principal.id);
      if (event.status < 200 || event.status > 299) return [];
      const req = requestOf(event.method, event.route);
      if (req === undefined || covers(smart, req)) return [];
      const verdict = recordGap(cohort, `${req.type} ${req.needs.join('')}`, event.principal.id, systemic);
      if (verdict.kind === 'known') return [];
      return [violation(event, req, smart, verdict)];
    },
  };
}

export function covers(smart: readonly SmartScope[], req: FhirRequest): boolean {
  for (const s of smart) {
    if (s.type !== '*' && s.type !== req.type) continue;
    for (const i of req.needs) if (s.interactions.has(i)) return true;
  }
  return false;
}

function violation(event: NormalizedEvent, req: FhirRequest, smart: readonly SmartScope[], v: Exclude<GapVerdict, { kind: 'known' }>): Finding {
  const interaction = INTERACTION_NAMES[req.needs[0] ?? 'r'];
  const granted = smart.map((s) => s.raw);
  const who = event.principal.id;
  const isSystemic = v.kind === 'systemic';
  const pattern = isSystemic ? 'systemic_gap' : req.write ? 'uncovered_write' : 'uncovered_read';
  const severity: Severity = isSystemic ? 'medium' : req.write ? 'critical' : 'high';
  const confidence = isSystemic ? SYSTEMIC_CONFIDENCE : CONFIDENCE;
  const what = `${event.method} ${req.type} (${interaction})`;
  const summary = isSystemic
    ? `${v.violators} principals of ${who}'s cohort (~${v.principals}) got 2xx for ${what} beyond their SMART scopes (${granted.join(' ')}): the API does not enforce them for this app`
    : `${who} got ${event.status} for ${what} although its SMART scopes (${granted.join(' ')}) do not allow it`;
  return {
    detector: NAME,
    owasp: req.write ? OWASP_WRITE : OWASP_READ,
    severity,
    ...findingAbout(event, who),
    summary,
    confidence,
    evidence: {
      pattern,
      confidence,
      observed: `${event.method} ${req.type} ${interaction} answered ${event.status}`,
      baseline: 'the SMART scopes granted to the token',
      window: 'single request',
      resourceType: req.type,
      interaction,
      method: event.method,
      status: event.status,
      grantedScopes: granted,
      cohortViolators: v.violators,
      ...(isSystemic ? { cohortPrincipals: v.principals } : {}),
    },
  };
}
