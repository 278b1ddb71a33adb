import {
  cappedAdd,
  decodeCappedSet,
  decodeRing,
  encodeCappedSet,
  encodeRing,
  hash32,
  newCappedSet,
  newRing,
  ringPush,
  type CappedSet,
  type ProfileCodec,
  quantileOf,
  ringValues,
  type Ring,
} from '../../libs/baseline/index.js';
import type { NormalizedEvent } from '../../libs/contracts/index.js';
import type { ExfilConfig } from './config.js';

/**
 * Routine large responses, per cohort and route (method + template): the sizes of the last large
 * responses (>= `routineMinBytes`) the cohort's members received there, and which members did.
 * A patient portal's imaging downloads are tens of MiB each: for one patient a single download is
 * far above its own 5-minute mean, yet it is what the route returns to every patient. Such a
 * response is "routine" when at least `routineMinPrincipals` of the cohort got large responses on
 * this route and it is no larger than `routineSizeFactor` x the `routineQuantile` of the last samples; the
 * detector leaves up to `routinePerWindow` of them out of a principal's window (see index.ts), so
 * one study is routine and a hundred are not.
 *
 * NOTE: keyed by cohort as well as route: a clinician downloading bulk-export files that only the
 * export services' cohort ever gets is not routine for the clinician.
 */
export interface RoutineSizes {
  sizes: Ring;
  /** hash32 of the principals that received large responses here (only the count matters). */
  members: CappedSet;
}

export function routineKey(cohort: string, event: NormalizedEvent): string {
  return `${cohort}\n${event.method} ${event.route}`;
}

export function createRoutineCodec(cfg: ExfilConfig): ProfileCodec<RoutineSizes> {
  return {
    create: () => ({ sizes: newRing(cfg.routineSamples), members: newCappedSet(cfg.routineMinPrincipals) }),
    encode: (r) => ({ sizes: encodeRing(r.sizes), members: encodeCappedSet(r.members) }),
    decode(v) {
      if (typeof v !== 'object' || v === null) return undefined;
      const o = v as Record<string, unknown>;
      const sizes = decodeRing(o.sizes);
      const members = decodeCappedSet(o.members);
      if (sizes === undefined || members === undefined) return undefined;
      return { sizes, members };
    },
    // Ring (typed array + header), set of at most routineMinPrincipals short strings, object.
    bytes: () => 96 + 8 * cfg.routineSamples + 48 + 40 * cfg.routineMinPrincipals + 48,
  };
}

/** Is a large 2xx response of `bytes` routine here (so it may be left out of the window)? */
export function isRoutine(r: RoutineSizes | undefined, bytes: number, cfg: ExfilConfig): boolean {
  if (r === undefined || r.members.values.size < cfg.routineMinPrincipals) return false;
  const sizes = ringValues(r.sizes);
  if (sizes.length < cfg.routineMinResponses) return false;
  // A quantile, not the largest: a few samples from an attacker's alerted windows cannot move it.
  const usual = quantileOf(sizes, cfg.routineQuantile) ?? 0;
  return bytes <= cfg.routineSizeFactor * usual;
}

/**
 * Learns one large 2xx response. The caller learns a response only if its window had not alerted
 * before it: the download that crosses the threshold is learned (else a route would never become
 * routine, since every first download alerts), the rest of an alerted window is not, so an attacker
 * adds at most one sample per window.
 */
export function learnRoutine(r: RoutineSizes, principal: string, bytes: number): void {
  ringPush(r.sizes, bytes);
  cappedAdd(r.members, String(hash32(principal)));
}
