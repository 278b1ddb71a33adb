import type { Finding, NormalizedEvent } from '../contracts/index.js';
import { FHIR_RESOURCE_TYPES } from '../routes/index.js';
import type { Judgement } from './judge.js';
import type { RouteState } from './route-state.js';

export const INVENTORY_DETECTORS = {
  shadow: 'inventory/shadow-route',
  zombie: 'inventory/zombie-route',
  undocumented: 'inventory/undocumented-param',
  unauthenticated: 'inventory/unauthenticated-data',
} as const;

/**
 * FHIR resources that describe the server, terminology, knowledge artifacts or public directories:
 * serving them without a credential is normal (`/metadata`, value sets, provider directories).
 * Every other resource type holds or points at patient data.
 */
const NON_DATA_FHIR_TYPES: ReadonlySet<string> = new Set([
  'CapabilityStatement', 'TerminologyCapabilities', 'StructureDefinition', 'StructureMap', 'ImplementationGuide',
  'SearchParameter', 'OperationDefinition', 'CompartmentDefinition', 'GraphDefinition', 'MessageDefinition',
  'ExampleScenario', 'NamingSystem', 'CodeSystem', 'ValueSet', 'ConceptMap', 'Library', 'Measure', 'PlanDefinition',
  'ActivityDefinition', 'Questionnaire', 'ObservationDefinition', 'SpecimenDefinition', 'ChargeItemDefinition',
  'EventDefinition', 'ResearchDefinition', 'ResearchElementDefinition', 'DeviceDefinition', 'Medication',
  'MedicationKnowledge', 'Substance', 'Organization', 'Location', 'Practitioner', 'PractitionerRole',
  'HealthcareService', 'Endpoint', 'InsurancePlan', 'OrganizationAffiliation', 'Bundle', 'OperationOutcome', 'Parameters',
]);

/** A route that serves patient data: its responses carried PHI, or it addresses a clinical FHIR resource. */
export function isDataRoute(template: string, returnsPhi: boolean): boolean {
  if (returnsPhi) return true;
  return template.split('/').some((s) => FHIR_RESOURCE_TYPES.has(s) && !NON_DATA_FHIR_TYPES.has(s));
}

const DAY_MS = 86_400_000;

/** What changed for a route with the event just added. */
export interface RouteChange {
  /** Event time of the route's previous request (before this one), -Infinity for a new route. */
  previousLastSeen: number;
}

/**
 * Inventory findings for one event: each kind at most once per route (`raised`), undocumented
 * parameters once per parameter. Pure: the clock is the event's; `s.raised` and
 * `s.reportedParams` are updated here so the caller persists them with the route.
 */
export function inventoryFindings(e: NormalizedEvent, s: RouteState, j: Judgement, change: RouteChange, staleDays: number): Finding[] {
  const out: Finding[] = [];
  if (j.shadow && once(s, 'shadow')) {
    out.push({
      ...shared(e, s), detector: INVENTORY_DETECTORS.shadow, owasp: 'API9:2023', severity: 'medium', confidence: 0.9,
      summary: `Undeclared ${j.undeclaredMethods.join(', ')} on ${placeOf(s)}: traffic to an endpoint no loaded spec declares.`,
      evidence: { pattern: 'shadow', service: s.service, template: s.template, undeclaredMethods: j.undeclaredMethods, declaredPath: j.declared?.path ?? null },
    });
  }
  const revived = Number.isFinite(change.previousLastSeen) && e.ts - change.previousLastSeen >= staleDays * DAY_MS;
  const zombie = j.reasons.length === 0 ? j.reasons : j.reasons.filter((r) => r !== 'stale');
  if ((zombie.length > 0 || revived) && once(s, 'zombie')) {
    const reasons = revived ? [...zombie, 'stale'] : zombie;
    out.push({
      ...shared(e, s), detector: INVENTORY_DETECTORS.zombie, owasp: 'API9:2023', severity: 'medium', confidence: 0.8,
      summary: `Zombie route ${placeOf(s)} (${reasons.join(', ')}) still receives traffic.`,
      evidence: {
        pattern: reasons[0] ?? 'zombie', service: s.service, template: s.template, reasons,
        ...(revived ? { silentDays: Math.floor((e.ts - change.previousLastSeen) / DAY_MS) } : {}),
      },
    });
  }
  const fresh = j.undocumentedParams.length === 0 ? j.undocumentedParams : j.undocumentedParams.filter((p) => !s.reportedParams.includes(p) && e.queryKeys.includes(p));
  if (fresh.length > 0) {
    s.reportedParams.push(...fresh);
    out.push({
      ...shared(e, s), detector: INVENTORY_DETECTORS.undocumented, owasp: 'API9:2023', severity: 'low', confidence: 0.7,
      summary: `Query parameter${fresh.length > 1 ? 's' : ''} ${fresh.join(', ')} on ${placeOf(s)} not documented by its spec.`,
      evidence: { pattern: 'undocumented_param', service: s.service, template: s.template, params: fresh, allUndocumented: [...s.reportedParams] },
    });
  }
  if (e.status >= 200 && e.status < 300 && e.principal.authScheme === 'none' && isDataRoute(s.template, s.returnsPhi) && once(s, 'unauthenticated')) {
    out.push({
      ...shared(e, s), detector: INVENTORY_DETECTORS.unauthenticated, owasp: 'API2:2023', severity: 'high', confidence: 0.9,
      summary: `${e.method} ${placeOf(s)} answered ${e.status} to a request without any credential on a data route.`,
      evidence: { pattern: 'unauthenticated', service: s.service, template: s.template, method: e.method, status: e.status, returnsPhi: s.returnsPhi },
    });
  }
  return out;
}

// NOTE: the fields every finding shares are built only when one is raised: inventoryFindings runs
// for every stored event and almost always raises nothing (~0.5 KB of garbage per event otherwise).
function shared(e: NormalizedEvent, s: RouteState) {
  return { principal: `service:${s.service || '-'}`, route: s.template, ts: e.ts, eventId: e.eventId, sourceIp: e.clientIp, ...(e.principal.app === undefined ? {} : { app: e.principal.app }) };
}

/** The route as findings name it. */
function placeOf(s: RouteState): string {
  return `${s.service || '(no service)'} ${s.template}`;
}

/** True the first time a kind is raised for the route (recorded in `s.raised`, persisted with it). */
function once(s: RouteState, kind: string): boolean {
  if (s.raised.includes(kind)) return false;
  s.raised.push(kind);
  return true;
}
