import type { Principal } from '../../../libs/contracts/index.js';
import { accessLevel, type AccessLevel } from '../../scope-violation/smart-scopes.js';

/**
 * How a credential is tied to one patient.
 * - `patient_claim`: the SMART `patient` launch claim (token of the Patient id), on a token that
 *   has no user/ or system/ scopes. Per token, so a parent switching child gets a new binding.
 * - `fhir_user`: the `fhirUser` claim names a Patient (a patient-portal login) on such a token.
 * - `token_response`: a mirrored token response gave this (opaque) access token a `patient`
 *   launch context, without user/ or system/ scopes (libs/identity/token-grant.ts).
 * - `learned`: a patient-scoped credential that has only ever touched one Patient for N reads.
 */
export type BindingSource = 'patient_claim' | 'fhir_user' | 'token_response' | 'learned';

export interface ExplicitBinding {
  patient: string;
  source: Exclude<BindingSource, 'learned'>;
}

/** What the principal's own claims say, or why there is nothing to say. */
export type Claimed = { kind: 'bound'; binding: ExplicitBinding } | { kind: 'learnable' } | { kind: 'unbound' };

const PATIENT_PREFIX = 'Patient/';

export function claimedBinding(p: Principal): Claimed {
  const level = accessLevel(p.scopes);
  // NOTE: an EHR launch gives a clinician's token (user/ scopes) a `patient` claim too: the chart
  // open on screen. It does not restrict the clinician, so it is no binding.
  if (level === 'staff') return { kind: 'unbound' };
  if (p.patient !== undefined) return { kind: 'bound', binding: { patient: p.patient, source: 'patient_claim' } };
  if (p.fhirUser?.startsWith(PATIENT_PREFIX) === true) {
    return { kind: 'bound', binding: { patient: p.fhirUser.slice(PATIENT_PREFIX.length), source: 'fhir_user' } };
  }
  // A RelatedPerson (parent, carer) legitimately acts for several patients: never learn one.
  if (level === 'patient' && p.fhirUser?.startsWith('RelatedPerson/') !== true) return { kind: 'learnable' };
  return { kind: 'unbound' };
}

/**
 * The patient of a `bound` claimedBinding(p), given `level` = accessLevel(p.scopes): the same
 * answer without allocating, for detectors that only need the id on every event.
 */
export function boundPatientOf(p: Pick<Principal, 'patient' | 'fhirUser'>, level: AccessLevel): string | undefined {
  if (level === 'staff') return undefined;
  if (p.patient !== undefined) return p.patient;
  if (p.fhirUser?.startsWith(PATIENT_PREFIX) === true) return p.fhirUser.slice(PATIENT_PREFIX.length);
  return undefined;
}

/** Per principal: the one Patient it has used so far, while that stays true. */
export interface LearnedBinding {
  patient: string | undefined;
  /** Successful requests that touched only `patient`. */
  reads: number;
  /** Event time of the first of them. */
  since: number;
  /** Touched two patients before the binding was established: never bound. */
  ambiguous: boolean;
}

/**
 * Learns from one successful request touching `patients`. Returns nothing: the caller checks
 * `isBound` before learning, so an established binding is never moved by the reads it flags.
 */
export function learn(b: LearnedBinding, patients: readonly string[], ts: number): void {
  if (b.ambiguous) return;
  for (const id of patients) {
    if (b.patient === undefined) {
      b.patient = id;
      b.since = ts;
    } else if (b.patient !== id) {
      b.ambiguous = true;
      return;
    }
  }
  b.reads++;
}

export function isBound(b: LearnedBinding, learningReads: number): boolean {
  return !b.ambiguous && b.patient !== undefined && b.reads >= learningReads;
}
