import {
  EWMA_BYTES,
  isPeak,
  newPeak,
  decodeHourProfile,
  encodeHourProfile,
  isCounter,
  isEwma,
  newCounter,
  newEwma,
  newHourProfile,
  META_SLOTS,
  type Ewma,
  type PackedCodec,
  type ProfileCodec,
} from '../../libs/baseline/index.js';
import { COUNTER_SLOTS, packCounter, unpackCounter } from '../../libs/baseline/counter.js';
import { EWMA_SLOTS, packEwma, unpackEwma } from '../../libs/baseline/ewma.js';
import { HOUR_SLOTS, packHourProfile, unpackHourProfile } from '../../libs/baseline/hour-profile.js';
import { PEAK_SLOTS, packPeak, unpackPeak } from '../../libs/baseline/peak.js';
import { decodePhiEvidence, type PhiEvidence } from '../../libs/phi/index.js';
import { BULK_KINDS } from './bulk.js';

/**
 * Per principal: live window of response bytes, its baseline and peak, the bulk kinds it uses, its
 * hours. NOTE: the numbers are packed into one array of doubles (`data`, offsets below): as objects
 * (counter, EWMA, peak, a Float32Array hour profile) they cost ~580 B of heap per principal plus
 * the typed array's backing store, packed ~250 B. Snapshots keep the object form, unchanged.
 */
export interface PrincipalVolume {
  data: number[];
  /** Bits of BULK_BIT this principal has used (while not alerting). */
  bulk: number;
  /**
   * PHI in the responses of the current window (`data[PHI_START]` = the window's start), for the
   * finding's evidence. Set only when an event carried PHI; saved with its window start.
   */
  phi: PhiEvidence | undefined;
}

/** Offsets in `PrincipalVolume.data`, after the profile map's own (first and last event time, events). */
export const WINDOW = META_SLOTS;
export const BYTES = WINDOW + COUNTER_SLOTS;
/** Largest closed window, decaying (see config peakFactor). */
export const PEAK = BYTES + EWMA_SLOTS;
/** Window start `phi` belongs to; NaN when none (never equal to a window start). */
export const PHI_START = PEAK + PEAK_SLOTS;
export const HOURS = PHI_START + 1;
/** Routine large responses left out of the current window bucket (routine.ts); 0 when it moves. */
export const ROUTINE = HOURS + HOUR_SLOTS;
const SLOTS = ROUTINE + 1;

/** A packed double array of exactly SLOTS elements, copied for each new profile. */
const TEMPLATE: number[] = Array.from({ length: SLOTS }, () => 0.5);
packCounter(TEMPLATE, WINDOW, newCounter());
packEwma(TEMPLATE, BYTES, newEwma());
packPeak(TEMPLATE, PEAK, newPeak());
TEMPLATE[PHI_START] = NaN;
packHourProfile(TEMPLATE, HOURS, newHourProfile());
TEMPLATE[ROUTINE] = 0;

/** Per cohort: members' window bytes, how many members use each bulk kind, members seen. */
export interface CohortVolume {
  bytes: Ewma;
  /** Members that use each kind, in BULK_KINDS order. */
  bulkUsers: number[];
  members: number;
}

export const principalCodec: PackedCodec<PrincipalVolume> = {
  create: () => ({ data: TEMPLATE.slice(), bulk: 0, phi: undefined }),
  meta: (p) => p.data,
  encode: (p) => ({
    window: unpackCounter(p.data, WINDOW),
    bytes: unpackEwma(p.data, BYTES),
    peak: unpackPeak(p.data, PEAK),
    bulk: p.bulk,
    hours: encodeHourProfile(unpackHourProfile(p.data, HOURS)),
    ...(p.data[ROUTINE] === 0 ? {} : { routine: p.data[ROUTINE] }),
    ...(p.phi === undefined ? {} : { phi: p.phi, phiStart: p.data[PHI_START] }),
  }),
  decode(v) {
    if (typeof v !== 'object' || v === null) return undefined;
    const o = v as Record<string, unknown>;
    const hours = decodeHourProfile(o.hours);
    if (!isCounter(o.window) || !isEwma(o.bytes) || !isPeak(o.peak) || typeof o.bulk !== 'number' || !hours) return undefined;
    const data = TEMPLATE.slice();
    packCounter(data, WINDOW, o.window);
    packEwma(data, BYTES, o.bytes);
    packPeak(data, PEAK, o.peak);
    packHourProfile(data, HOURS, hours);
    // Rows written before routine responses were counted have no `routine` (none were left out).
    if (o.routine !== undefined) {
      if (typeof o.routine !== 'number' || !Number.isInteger(o.routine) || o.routine < 0) return undefined;
      data[ROUTINE] = o.routine;
    }
    // Rows written before the PHI was saved have neither field.
    if (o.phi === undefined) return { data, bulk: o.bulk, phi: undefined };
    const phi = decodePhiEvidence(o.phi);
    if (phi === undefined || typeof o.phiStart !== 'number' || !Number.isFinite(o.phiStart)) return undefined;
    data[PHI_START] = o.phiStart;
    return { data, bulk: o.bulk, phi };
  },
  bytes: () => 40 + 48 + 8 * SLOTS,
};

export const cohortCodec: ProfileCodec<CohortVolume> = {
  create: () => ({ bytes: newEwma(), bulkUsers: BULK_KINDS.map(() => 0), members: 0 }),
  encode: (p) => p,
  decode(v) {
    if (typeof v !== 'object' || v === null) return undefined;
    const o = v as Record<string, unknown>;
    const users = o.bulkUsers;
    if (!isEwma(o.bytes) || typeof o.members !== 'number') return undefined;
    if (!Array.isArray(users) || users.length !== BULK_KINDS.length || !users.every((n) => typeof n === 'number')) return undefined;
    return { bytes: o.bytes, bulkUsers: users, members: o.members };
  },
  bytes: () => 64 + EWMA_BYTES + 80,
};
