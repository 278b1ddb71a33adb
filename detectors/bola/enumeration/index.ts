import type { Config, Finding, NormalizedEvent, ObjectRef, Severity } from '../../../libs/contracts/index.js';
import { createBoundedCache, type BoundedCache } from '../../../libs/cache/index.js';
import { addPhi, phiEvidence, phiPhrase, type PhiEvidence } from '../../../libs/phi/index.js';
import type { Detector } from '../../framework.js';
import { findingAbout } from '../../framework.js';
import { advance, newTypeWindow, record, stepSequence, threshold, type TypeWindow } from './window.js';

export const NAME = 'bola/enumeration';
export const OWASP = 'API1:2023';

export type EnumerationConfig = Config['detection']['enumeration'];
export type Pattern = 'distinct_ids' | 'sequential_walk' | 'failure_probing';

export interface EnumerationState {
  /** Bounded: principals idle for a whole cache generation are forgotten (see libs/cache). */
  principals: BoundedCache<Map<string, TypeWindow>>;
}

/** Principals whose enumeration state is kept; the least recently active are forgotten first. */
const PRINCIPAL_CAP = 200_000;
const FAILED_STATUSES = new Set([403, 404]);

/**
 * BOLA enumeration (OWASP API1:2023): a principal touching far more distinct objects of one type
 * than it normally does, walking integer ids in order, or probing ids and collecting 403/404s.
 * Works on any resource type (FHIR or not): the type is the path segment or search parameter.
 */
export function createEnumerationDetector(cfg: EnumerationConfig): Detector<EnumerationState> {
  const windowMs = cfg.windowSeconds * 1000;
  return {
    name: NAME,
    owasp: OWASP,
    createState: () => ({ principals: createBoundedCache<Map<string, TypeWindow>>(PRINCIPAL_CAP) }),
    detect(event, state) {
      if (event.objects.length === 0) return [];
      const ok = event.status >= 200 && event.status < 400;
      const failed = FAILED_STATUSES.has(event.status);
      if (!ok && !failed) return [];
      const types = state.principals.getOrCreate(event.principal.id, newTypes);
      // NOTE: allocated only when something is raised, which almost no event does.
      let raised: Set<Pattern> | undefined;
      let findings: Finding[] | undefined;
      for (const obj of event.objects) {
        // Created objects are the principal's own (201 Location): never evidence of enumeration.
        if (obj.created) continue;
        let w = types.get(obj.type);
        if (!w) types.set(obj.type, (w = newTypeWindow()));
        advance(w, event.ts, windowMs);
        trackPhi(w, event, ok);
        const isNew = record(w, { ts: event.ts, id: obj.id, ok });
        const checked = check(event, obj, w, isNew, ok, cfg, windowMs);
        if (checked === undefined) continue;
        for (const f of checked) {
          raised ??= new Set();
          if (raised.has(f.pattern)) continue;
          raised.add(f.pattern);
          w.bucketAlerted = true;
          (findings ??= []).push(f.finding);
        }
      }
      return findings ?? [];
    },
  };
}

/**
 * PHI the principal received from this type in the current baseline bucket, so a finding can say
 * what the enumerated objects disclosed (from the events' own classification, no raw values).
 */
function trackPhi(w: TypeWindow, event: NormalizedEvent, ok: boolean): void {
  if (w.phiBucket !== w.bucketStart) {
    if (w.phi === undefined && event.phi === undefined) return;
    w.phi = undefined;
    w.phiBucket = w.bucketStart;
  }
  if (ok) w.phi = addPhi(w.phi, event.phi);
}

interface Raised {
  pattern: Pattern;
  finding: Finding;
}

function check(
  event: NormalizedEvent,
  obj: ObjectRef,
  w: TypeWindow,
  isNew: boolean,
  ok: boolean,
  cfg: EnumerationConfig,
  windowMs: number,
): Raised[] | undefined {
  let out: Raised[] | undefined;
  const who = event.principal.id;
  if (obj.seq !== undefined) {
    const run = stepSequence(w, obj.seq, event.ts, windowMs);
    if (run >= cfg.sequentialRun) {
      (out ??= []).push(
        raise(event, 'sequential_walk', 'high', `${who} walked ${run} consecutive ${obj.type} ids in request order`, {
          ...baseOf(obj, w, cfg),
          pattern: 'sequential_walk',
          walkLength: run,
          sequentialRun: cfg.sequentialRun,
          lastObjectId: obj.id,
        }),
      );
    }
  }
  if (ok && isNew) {
    const distinct = w.okIds.size;
    const limit = threshold(w, cfg);
    if (distinct > limit) {
      (out ??= []).push(
        raise(
          event,
          'distinct_ids',
          'high',
          `${who} read ${distinct} distinct ${obj.type} objects within ${cfg.windowSeconds}s; its baseline is ${round(w.mean)} per window (threshold ${round(limit)})`,
          { ...baseOf(obj, w, cfg), pattern: 'distinct_ids', distinctIds: distinct, threshold: round(limit), lastObjectId: obj.id },
        ),
      );
    }
  }
  if (!ok && isNew) {
    const total = w.okTotal + w.failedTotal;
    const ratio = total === 0 ? 0 : w.failedTotal / total;
    if (w.failedIds.size >= cfg.minFailures && ratio >= 0.5) {
      (out ??= []).push(
        raise(
          event,
          'failure_probing',
          'medium',
          `${who} got 403/404 on ${w.failedIds.size} distinct ${obj.type} ids within ${cfg.windowSeconds}s (${Math.round(ratio * 100)}% of its ${obj.type} requests)`,
          {
            ...baseOf(obj, w, cfg),
            pattern: 'failure_probing',
            failedDistinctIds: w.failedIds.size,
            failures: w.failedTotal,
            failureRatio: round(ratio),
            minFailures: cfg.minFailures,
            lastObjectId: obj.id,
          },
        ),
      );
    }
  }
  return out;
}

function newTypes(): Map<string, TypeWindow> {
  return new Map();
}

/** Evidence every pattern shares; built only when one is raised. */
function baseOf(obj: ObjectRef, w: TypeWindow, cfg: EnumerationConfig): Record<string, unknown> {
  return {
    resourceType: obj.type,
    windowSeconds: cfg.windowSeconds,
    baselineDistinct: round(w.mean),
    learnedWindows: w.learnedWindows,
    ...phiEvidence(w.phiBucket === w.bucketStart ? w.phi : undefined),
  };
}

function raise(event: NormalizedEvent, pattern: Pattern, severity: Severity, summary: string, evidence: Record<string, unknown>): Raised {
  return {
    pattern,
    finding: {
      detector: NAME,
      owasp: OWASP,
      severity,
      ...findingAbout(event),
      // The phrase reads " including PHI (Patient, SSN)" when the responses carried any.
      summary: summary + phiPhrase(evidence.phi as PhiEvidence | undefined),
      evidence,
    },
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
