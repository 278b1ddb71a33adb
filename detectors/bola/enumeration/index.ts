import { createProfileMap, type CappedSets, type Persistent, type ProfileMap, type Tracked } from '../../../libs/baseline/index.js';
import type { Config, Finding, NormalizedEvent, ObjectRef, Severity } from '../../../libs/contracts/index.js';
import { addPhi, phiEvidence, phiPhrase, type PhiEvidence } from '../../../libs/phi/index.js';
import type { Tokenizer } from '../../../libs/privacy/index.js';
import type { Detector } from '../../framework.js';
import { findingAbout } from '../../framework.js';
import { isMachine } from '../../principal-traits.js';
import { clearCappedWindows, createTypesCodec, type Types } from './profile.js';
import { advance, endDrift, liveDrift, machinePeak, newTypeWindow, record, stepSequence, threshold, tooLate, unseal, type TypeWindow } from './window.js';

export const NAME = 'bola/enumeration';
export const OWASP = 'API1:2023';

export type EnumerationConfig = Config['detection']['enumeration'];
export type Pattern = 'distinct_ids' | 'sustained_distinct_ids' | 'sequential_walk' | 'failure_probing';

export interface EnumerationState {
  /** Bounded: principals idle for a whole generation are forgotten first (see libs/baseline/profiles.ts). */
  principals: ProfileMap<Types>;
}

export interface EnumerationDeps {
  /**
   * The events' tokenizer (same key on every instance). Snapshots keep a sequential walk's previous
   * id as its token, never the raw number; without a tokenizer walks are not saved (see README).
   */
  tokenizer?: Pick<Tokenizer, 'token'>;
}

/** Principals whose enumeration state is kept; the least recently active are forgotten first. */
const PRINCIPAL_CAP = 200_000;
/** Only the cap is used: the windows and `learningWindows` decide when a baseline is trusted. */
const NO_LEARNING = { minEvents: 0, minSpanMs: 0 };
const FAILED_STATUSES = new Set([403, 404]);
/**
 * A machine credential's first day (from its first request the detector remembers) is how it
 * learns its volume: a service or a partner starts with the batch it was built for (a nightly
 * sweep of every user, the night's auto-refills), which no learning floor can know. On that day
 * distinct_ids and sustained_distinct_ids are not raised for it (its windows are learned); a
 * sequential walk and probing that collects 403/404s still are. A stolen credential is not new.
 */
const MACHINE_FIRST_DAY_MS = 86_400_000;

/**
 * BOLA enumeration (OWASP API1:2023): a principal touching far more distinct objects of one type
 * than it normally does, walking integer ids in order, or probing ids and collecting 403/404s.
 * Works on any resource type (FHIR or not): the type is the path segment or search parameter.
 */
export function createEnumerationDetector(
  cfg: EnumerationConfig,
  deps: EnumerationDeps = {},
): Detector<EnumerationState> & Persistent<EnumerationState> & CappedSets<EnumerationState> {
  const windowMs = cfg.windowSeconds * 1000;
  const tokenizer = deps.tokenizer;
  const token = tokenizer === undefined ? undefined : (kind: string, raw: string) => tokenizer.token(kind, raw);
  const codec = createTypesCodec(token);
  return {
    name: NAME,
    owasp: OWASP,
    createState: () => ({ principals: createProfileMap({ capacity: PRINCIPAL_CAP, learning: NO_LEARNING, codec }) }),
    detect(event, state) {
      if (event.objects.length === 0) return [];
      const ok = event.status >= 200 && event.status < 400;
      const failed = FAILED_STATUSES.has(event.status);
      if (!ok && !failed) return [];
      const p = state.principals.touch(event.principal.id, event.ts);
      // Machine credentials run batches on a schedule (window.ts `recursDaily`); people do not.
      const machine = isMachine(event.principal);
      const firstDay = machine && event.ts - p.firstTs < MACHINE_FIRST_DAY_MS;
      // NOTE: allocated only when something is raised, which almost no event does.
      let raised: Set<Pattern> | undefined;
      let findings: Finding[] | undefined;
      for (const obj of event.objects) {
        // Created objects are the principal's own (201 Location): never evidence of enumeration.
        if (obj.created) continue;
        const w = windowOf(p, obj.type);
        if (tooLate(w, event.ts, windowMs)) continue;
        advance(w, event.ts, windowMs, cfg.learningWindows, machine);
        // A walk restored from a snapshot learns its previous id back from this one (see unseal).
        if (w.walk?.seal !== undefined && obj.seq !== undefined) unseal(w.walk, w.type, obj.seq, event.ts, windowMs, token);
        trackPhi(w, event, ok);
        const isNew = record(w, { ts: event.ts, id: obj.id, ok });
        const checked = check(event, obj, w, isNew, ok, cfg, windowMs, firstDay, machine);
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
    // With `select` (incremental snapshots, partition handoff) only those principals' rows are encoded.
    snapshot: (state, version, select) => state.principals.snapshot(NAME, 'principal', version, select?.principals),
    restore: (state, rows) => state.principals.restore(NAME, 'principal', rows),
    // Their partition moved to another instance, which loads these rows from the store.
    forget: (state, principals) => {
      state.principals.delete(principals);
    },
    clearCapped: (state) => {
      for (const t of state.principals.entries()) clearCappedWindows(t.profile);
    },
  };
}

/** The principal's window for `type`, created on first touch (a linear scan: a principal touches a few types). */
function windowOf(p: Tracked<Types>, type: string): TypeWindow {
  for (const w of p.profile) if (w.type === type) return w;
  const w = newTypeWindow(type);
  // NOTE: concat allocates the exact size; push (and spread) would reserve 17 slots (~130 bytes).
  p.profile = p.profile.concat([w]);
  return w;
}

/**
 * PHI the principal received from this type in the current baseline bucket, so a finding can say
 * what the enumerated objects disclosed (from the events' own classification, no raw values).
 */
function trackPhi(w: TypeWindow, event: NormalizedEvent, ok: boolean): void {
  if (w.phiBucket !== w.bucket) {
    if (w.phi === undefined && event.phi === undefined) return;
    w.phi = undefined;
    w.phiBucket = w.bucket;
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
  firstDay: boolean,
  machine: boolean,
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
  if (ok && isNew && !firstDay) {
    const distinct = w.okIds?.size ?? 0;
    // The peak only matters while the type is learning (window.ts `threshold`): not looked up otherwise.
    const limit = threshold(w, cfg, machine && w.learnedWindows < cfg.learningWindows ? machinePeak(w, windowMs) : 0);
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
    } else if (!w.bucketAlerted) {
      // Slow enumeration: no single window is far above the baseline, but window after window is
      // above twice it, adding up to as many extra ids as one window needs to alert.
      const live = liveDrift(w);
      if (live !== undefined && live.excess >= cfg.minDistinct) {
        const windows = w.bucket - live.since + 1;
        endDrift(w);
        (out ??= []).push(
          raise(
            event,
            'sustained_distinct_ids',
            'high',
            `${who} read ${live.distinct} distinct ${obj.type} objects over ${windows} consecutive ${cfg.windowSeconds}s windows, ${live.excess} more than the ${live.allowance} new ones per window its baseline allowed when they began`,
            {
              ...baseOf(obj, w, cfg),
              pattern: 'sustained_distinct_ids',
              distinctIds: live.distinct,
              windows,
              allowancePerWindow: live.allowance,
              excessIds: live.excess,
              threshold: cfg.minDistinct,
              lastObjectId: obj.id,
            },
          ),
        );
      }
    }
  }
  if (!ok && isNew) {
    const total = w.entries.length - w.head;
    const ratio = total === 0 ? 0 : w.failedTotal / total;
    const failedIds = w.failedIds?.size ?? 0;
    if (failedIds >= cfg.minFailures && ratio >= 0.5) {
      (out ??= []).push(
        raise(
          event,
          'failure_probing',
          'medium',
          `${who} got 403/404 on ${failedIds} distinct ${obj.type} ids within ${cfg.windowSeconds}s (${Math.round(ratio * 100)}% of its ${obj.type} requests)`,
          {
            ...baseOf(obj, w, cfg),
            pattern: 'failure_probing',
            failedDistinctIds: failedIds,
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

/** Evidence every pattern shares; built only when one is raised. */
function baseOf(obj: ObjectRef, w: TypeWindow, cfg: EnumerationConfig): Record<string, unknown> {
  return {
    resourceType: obj.type,
    windowSeconds: cfg.windowSeconds,
    baselineDistinct: round(w.mean),
    learnedWindows: w.learnedWindows,
    ...phiEvidence(w.phiBucket === w.bucket ? w.phi : undefined),
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
