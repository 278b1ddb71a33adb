import type { Finding, NormalizedEvent, Severity } from '../../../libs/contracts/index.js';
import { createBoundedCache, type BoundedCache } from '../../../libs/cache/index.js';
import type { CappedSets, Persistent } from '../../../libs/baseline/index.js';
import { accessLevel } from '../../scope-violation/smart-scopes.js';
import { mergePhi, phiEvidence, phiPhrase } from '../../../libs/phi/index.js';
import type { Detector } from '../../framework.js';
import { findingAbout } from '../../framework.js';
import { claimedBinding, isBound, learn, type BindingSource } from './binding.js';
import { bindingOf, createLearnedBindings, restoreLearned, snapshotLearned, type LearnedBindings } from './learned.js';

export const NAME = 'bola/patient-context';
export const OWASP = 'API1:2023';

export interface PatientContextConfig {
  /** Successful reads of one single Patient before a patient-scoped credential counts as bound to it. */
  learningReads: number;
  /** Principals whose learned binding is kept; the least recently active are forgotten first. */
  principalCap: number;
}

export const DEFAULTS: PatientContextConfig = { learningReads: 20, principalCap: 200_000 };

export interface PatientContextState {
  /** By principal id, one binding per app (`learned.ts`); saved in snapshots. */
  learned: LearnedBindings;
  /**
   * Principal id of an opaque token -> the patient its mirrored token response named.
   * NOTE: in memory only (not in snapshots): a restart forgets the bindings of tokens issued before it.
   */
  granted: BoundedCache<string>;
}

export type Pattern = 'other_patient_access' | 'other_patient_denied';

/** The API refused: it enforced the binding, but the client still asked for someone else's record. */
const DENIED = new Set([403, 404]);

/**
 * BOLA on the patient compartment (OWASP API1:2023): a credential bound to one patient touches
 * another patient, by path (`/Patient/{id}`, `/Patient/{id}/Observation`) or search parameter
 * (`?patient=`, `?subject=Patient/..`), which all arrive as Patient objects. An explicit binding
 * (SMART claim) is direct evidence: no learning period. A learned one needs `learningReads`.
 */
export function createPatientContextDetector(
  cfg: PatientContextConfig = DEFAULTS,
): Detector<PatientContextState> & Required<Persistent<PatientContextState>> & CappedSets<PatientContextState> {
  return {
    name: NAME,
    owasp: OWASP,
    createState: () => ({ learned: createLearnedBindings(cfg.principalCap), granted: createBoundedCache<string>(cfg.principalCap) }),
    detect(event, state) {
      // A token response binds the token it issues (seen before the token is used). An EHR launch
      // (user/ or system/ scopes) names the chart on screen, which binds nothing.
      if (event.grant !== undefined && accessLevel(event.grant.scopes) !== 'staff') state.granted.set(event.grant.principal, event.grant.patient);
      const ok = event.status >= 200 && event.status <= 299;
      if (!ok && !DENIED.has(event.status)) return [];
      const patients = patientsOf(event);
      if (patients.length === 0) return [];
      const granted = state.granted.get(event.principal.id);
      const claimed = granted === undefined ? claimedBinding(event.principal) : ({ kind: 'bound', binding: { patient: granted, source: 'token_response' } } as const);
      if (claimed.kind === 'unbound') return [];
      if (claimed.kind === 'bound') {
        const { patient, source } = claimed.binding;
        const foreign = patients.filter((id) => id !== patient);
        if (foreign.length === 0) return [];
        // The IdP's own token response is as direct as a claim; an opaque token has no scopes to add.
        const confidence = source === 'fhir_user' ? 0.9 : source === 'token_response' ? 0.95 : accessLevel(event.principal.scopes) === 'patient' ? 0.97 : 0.85;
        return [finding(event, { bound: patient, source, foreign, ok, confidence, window: 'single request' })];
      }
      const b = bindingOf(state.learned, event.principal.id, event.principal.app ?? '');
      if (isBound(b, cfg.learningReads)) {
        const foreign = patients.filter((id) => id !== b.patient);
        if (foreign.length > 0) {
          // Confidence grows with how long the single-patient habit has held: 0.6 at the end of
          // learning, approaching 0.9.
          const confidence = round(0.9 - 0.3 * (cfg.learningReads / b.reads));
          const window = `${b.reads} reads since ${new Date(b.since).toISOString()}`;
          return [finding(event, { bound: b.patient as string, source: 'learned', foreign, ok, confidence, window, reads: b.reads })];
        }
      }
      // Only successful reads teach the binding; flagged reads never reach here.
      if (ok) learn(b, patients, event.ts);
      return [];
    },
    // Learned bindings only: claims and fhirUser come with every event; token-response bindings stay in memory.
    snapshot: (state, version, select) => snapshotLearned(NAME, state.learned, version, select?.principals),
    restore: (state, rows) => restoreLearned(NAME, state.learned, rows),
    // Their partition moved to another instance, which loads these rows from the store.
    forget: (state, principals) => {
      for (const p of principals) state.learned.delete(p);
    },
    // Nothing per principal is a capped set: a binding is four fixed fields per app.
    clearCapped: () => undefined,
  };
}

function patientsOf(event: NormalizedEvent): string[] {
  const out: string[] = [];
  for (const o of event.objects) {
    // A Patient the caller just created (201 Location) is not someone else's record.
    if (o.type !== 'Patient' || o.created || out.includes(o.id)) continue;
    out.push(o.id);
  }
  return out;
}

interface Observed {
  bound: string;
  source: BindingSource;
  foreign: string[];
  ok: boolean;
  confidence: number;
  window: string;
  reads?: number;
}

const SOURCE_TEXT: Record<BindingSource, string> = {
  patient_claim: 'SMART patient claim',
  fhir_user: 'fhirUser claim',
  token_response: 'token response',
  learned: 'consistent use',
};

function finding(event: NormalizedEvent, o: Observed): Finding {
  const explicit = o.source !== 'learned';
  const pattern: Pattern = o.ok ? 'other_patient_access' : 'other_patient_denied';
  const severity: Severity = o.ok ? (explicit ? 'critical' : 'high') : explicit ? 'medium' : 'low';
  const who = event.principal.id;
  const more = o.foreign.length > 1 ? ` and ${o.foreign.length - 1} more` : '';
  const verb = event.method === 'GET' || event.method === 'HEAD' ? 'read' : `sent ${event.method} for`;
  const vias = [...new Set(event.objects.filter((x) => x.type === 'Patient' && o.foreign.includes(x.id)).map((x) => x.via))];
  // What the response disclosed, from the event's own body classification (libs/phi).
  const phi = mergePhi([event.phi]);
  return {
    detector: NAME,
    owasp: OWASP,
    severity,
    ...findingAbout(event, who),
    summary: `${who}, bound to patient ${o.bound} by its ${SOURCE_TEXT[o.source]}, ${verb} patient ${o.foreign[0] ?? ''}${more} and the API answered ${event.status}${phiPhrase(phi)}`,
    confidence: o.confidence,
    evidence: {
      ...phiEvidence(phi),
      pattern,
      confidence: o.confidence,
      observed: { foreignPatients: o.foreign, via: vias, method: event.method, status: event.status },
      baseline: { boundPatient: o.bound, bindingSource: o.source, ...(o.reads === undefined ? {} : { singlePatientReads: o.reads }) },
      window: o.window,
    },
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
