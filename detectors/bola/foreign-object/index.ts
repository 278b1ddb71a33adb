import type { Finding, NormalizedEvent, ObjectRef } from '../../../libs/contracts/index.js';
import { mergePhi, phiEvidence, phiPhrase } from '../../../libs/phi/index.js';
import type { Detector } from '../../framework.js';
import { findingAbout, served } from '../../framework.js';
import type { CappedSets, Persistent } from '../../../libs/baseline/index.js';
import { createTraitsMemo, isMachine, type TraitsDeps } from '../../principal-traits.js';
import { boundPatientOf } from '../patient-context/binding.js';
import { createBoundedCache, createPairCache } from '../../../libs/cache/index.js';
import {
  accessorCount,
  confirmRegular,
  countObject,
  holdingOf,
  newCohortShare,
  newHolding,
  principalsOf,
  remember,
  reown,
  seePrincipal,
  shareRate,
  typeShareOf,
  usedBy,
  type CohortShare,
  type Holding,
  type OwnershipSource,
  type TypeShare,
} from './ownership.js';
import { clearCapped, forget, restore, snapshot, type ForeignObjectState } from './persistence.js';

export type { ForeignObjectState } from './persistence.js';

export const NAME = 'bola/foreign-object';
export const OWASP = 'API1:2023';

export interface ForeignObjectConfig {
  /**
   * A sole reader owns an object once it comes back to it at least this long after its first use,
   * nobody else of the cohort having used it meanwhile (ownership.ts, `regular_reader`).
   */
  ownershipLearningSeconds: number;
  /** Principals a cohort must have before its sharing habits are trusted... */
  minCohortPrincipals: number;
  /** ...and objects of the type it must have used. */
  minCohortObjects: number;
  /** A type is shared in a cohort when more than this share of its objects are used by two of its principals. */
  maxShareRate: number;
  /** An object used by this many principals of one cohort is shared, whatever its type. */
  sharedMinAccessors: number;
  /** Objects and cohorts remembered; the least recently used are forgotten first. */
  objectCap: number;
  cohortCap: number;
}

export const DEFAULTS: ForeignObjectConfig = {
  ownershipLearningSeconds: 3600,
  minCohortPrincipals: 5,
  minCohortObjects: 50,
  maxShareRate: 0.05,
  sharedMinAccessors: 3,
  objectCap: 200_000,
  cohortCap: 10_000,
};

/**
 * Types that are reference data on any FHIR server: read by everyone, owned by no one. A prior,
 * not the whole story: other shared types (a custom API's `products`) are learned per cohort.
 */
export const SHARED_TYPES: ReadonlySet<string> = new Set([
  'Practitioner', 'PractitionerRole', 'Organization', 'Location', 'HealthcareService', 'Endpoint', 'Medication',
  'MedicationKnowledge', 'Substance', 'ValueSet', 'CodeSystem', 'ConceptMap', 'NamingSystem', 'StructureDefinition',
  'CapabilityStatement', 'OperationDefinition', 'SearchParameter', 'Questionnaire', 'PlanDefinition',
  'ActivityDefinition', 'Library', 'Measure', 'Schedule', 'Slot', 'metadata',
]);

interface Foreign {
  obj: ObjectRef;
  holding: Holding;
  rate: number;
  share: TypeShare;
}

/**
 * BOLA on owned objects (OWASP API1:2023): a principal successfully uses an object that another
 * principal of its cohort owns (created it, is bound to it by a SMART patient claim, or came back
 * to it as its only user `ownershipLearningSeconds` after first using it), in a cohort whose
 * principals do not normally share objects of that type. Backend services (SMART system/ scopes) are not judged; staff (user/
 * scopes) own only what they authored, since a first read of an organisation's record makes no one
 * its owner; whether a cohort shares a type (care teams, a custom staff API) is learned.
 */
export function createForeignObjectDetector(
  cfg: ForeignObjectConfig = DEFAULTS,
  deps: TraitsDeps = {},
): Detector<ForeignObjectState> & Persistent<ForeignObjectState> & CappedSets<ForeignObjectState> {
  // What a principal's app and scopes say, memoized per principal id: building the cohort key (sort,
  // join) and parsing the scopes cost more than the rest of the detector. From the memo
  // services/registry.ts shares between detectors.
  const access = deps.traits ?? createTraitsMemo();
  const learningMs = cfg.ownershipLearningSeconds * 1000;
  return {
    name: NAME,
    owasp: OWASP,
    createState: () => ({
      objects: createPairCache<Holding>(cfg.objectCap),
      cohorts: createBoundedCache<CohortShare>(cfg.cohortCap),
    }),
    detect(event, state) {
      if (event.objects.length === 0 || !served(event.status)) return [];
      const p = event.principal;
      // An IP is not an owner (NAT, proxies); a backend service (system/ scopes) acts for the
      // organisation and owns nothing.
      if (p.kind === 'ip') return [];
      const { cohort: ck, system, level } = access(p);
      if (system) return [];
      // Staff (user/ scopes: clinicians, billing) read the organisation's records, so being the
      // first to read one makes nobody its owner; authoring it does. Whether colleagues read each
      // other's authored objects is learned per type like any sharing (see README). Machine
      // credentials (API keys, client-credentials apps) act for many people the same way: two
      // billing partners checking the eligibility of a member both see is no theft (an independent
      // clearinghouse probe, 2026-11-30: ten such alerts once partners were compared as peers).
      const orgWide = level === 'staff' || isMachine(p);
      const who = p.id;
      let cohort = state.cohorts.get(ck);
      if (cohort === undefined) {
        cohort = newCohortShare(ck, event.ts);
        state.cohorts.set(ck, cohort);
      }
      seePrincipal(cohort, who, event.ts);
      const boundPatient = boundPatientOf(p, level);
      // Allocated on the first foreign object only: almost every event has none.
      let foreign: Foreign[] | undefined;
      for (const obj of event.objects) {
        if (SHARED_TYPES.has(obj.type)) continue;
        const share = typeShareOf(cohort, obj.type);
        if (share === undefined) continue;
        const head = state.objects.get(obj.type, obj.id);
        const h = holdingOf(head, ck);
        if (h === undefined) {
          const source: OwnershipSource = obj.created ? 'created' : obj.type === 'Patient' && obj.id === boundPatient ? 'patient_claim' : 'sole_reader';
          // The cohort's own key string, so that objects do not each keep a copy of it.
          const fresh = newHolding(cohort.key, who, source, event.ts, undefined);
          // Another cohort's object: chained after the head, so the map entry stays as it was.
          if (head === undefined) state.objects.set(obj.type, obj.id, fresh);
          else {
            fresh.next = head.next;
            head.next = fresh;
          }
          countObject(share);
          continue;
        }
        if (obj.created) {
          // NOTE: the API just minted this id for this principal (a reused id, after a delete or a
          // reset sequence): a creation is never foreign, and it starts the object's life anew.
          reown(h, who, 'created', event.ts);
          countObject(share);
          continue;
        }
        if (usedBy(h, who)) {
          confirmRegular(h, who, event.ts, learningMs);
          continue;
        }
        const accessors = accessorCount(h);
        const owned = accessors === 1 && (orgWide ? h.source === 'created' : h.source !== 'sole_reader');
        const rate = shareRate(share);
        const learned = share.objects >= cfg.minCohortObjects && principalsOf(cohort) >= cfg.minCohortPrincipals;
        // NOTE: a Patient read by a patient-bound token is bola/patient-context's direct evidence.
        const covered = obj.type === 'Patient' && boundPatient !== undefined;
        if (owned && learned && rate <= cfg.maxShareRate && !covered && accessors + 1 < cfg.sharedMinAccessors) {
          (foreign ??= []).push({ obj, holding: h, rate, share });
        } else if (accessors === 1) {
          // A second peer used it unflagged: evidence that this cohort shares this type.
          share.shared++;
        }
        remember(h, who, cfg.sharedMinAccessors);
      }
      const first = foreign?.[0];
      return first === undefined || foreign === undefined ? [] : [finding(event, first, foreign.length, cfg, principalsOf(cohort))];
    },
    // Rows: per principal, the objects it owns and those it used as a reader; per cohort, its
    // sharing tallies (persistence.ts, README "Persistence").
    snapshot: (state, version, select) => snapshot(NAME, state, version, select?.principals),
    restore: (state, rows) => restore(NAME, state, rows, cfg.sharedMinAccessors),
    forget,
    clearCapped,
  };
}

/**
 * Per ownership source: the base confidence and how the summary names it. NOTE: a `sole_reader`
 * owns nothing, so no finding names one; its entry only keeps the table exhaustive.
 */
const OWNERSHIP: Record<OwnershipSource, { confidence: number; how: string }> = {
  created: { confidence: 0.85, how: 'created' },
  patient_claim: { confidence: 0.85, how: 'is bound to' },
  regular_reader: { confidence: 0.65, how: 'alone used and came back to' },
  sole_reader: { confidence: 0.65, how: 'was the only one to use' },
};
const READS = new Set(['GET', 'HEAD']);

function finding(event: NormalizedEvent, f: Foreign, count: number, cfg: ForeignObjectConfig, principals: number): Finding {
  const who = event.principal.id;
  const read = READS.has(event.method.toUpperCase());
  // Less sure the more the cohort already shares this type.
  const { confidence: base, how } = OWNERSHIP[f.holding.source];
  const confidence = Math.round((base - f.rate) * 100) / 100;
  const more = count > 1 ? ` and ${count - 1} more` : '';
  // What the response disclosed, from the event's own body classification (libs/phi).
  const phi = mergePhi([event.phi]);
  return {
    detector: NAME,
    owasp: OWASP,
    severity: read ? 'high' : 'critical',
    ...findingAbout(event, who),
    summary: `${who} ${read ? 'read' : `sent ${event.method} to`} ${f.obj.type} ${f.obj.id}${more}, which ${f.holding.owner} ${how}, and the API answered ${event.status}${phiPhrase(phi)}`,
    confidence,
    evidence: {
      ...phiEvidence(phi),
      pattern: 'foreign_object_access',
      confidence,
      observed: { resourceType: f.obj.type, objectId: f.obj.id, via: f.obj.via, foreignObjects: count, method: event.method, status: event.status },
      baseline: {
        owner: f.holding.owner,
        ownership: f.holding.source,
        ownedSince: new Date(f.holding.since).toISOString(),
        cohortShareRate: Math.round(f.rate * 1000) / 1000,
        maxShareRate: cfg.maxShareRate,
        cohortObjects: f.share.objects,
        cohortPrincipals: principals,
      },
      window: `ownership learned over ${cfg.ownershipLearningSeconds}s; cohort sharing over its last ${f.share.objects} objects of this type`,
    },
  };
}
