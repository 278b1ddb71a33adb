import {
  COUNTER_BYTES,
  EWMA_BYTES,
  HOUR_PROFILE_BYTES,
  PEAK_BYTES,
  isPeak,
  newPeak,
  type Peak,
  decodeHourProfile,
  encodeHourProfile,
  isCounter,
  isEwma,
  newCounter,
  newEwma,
  newHourProfile,
  type Ewma,
  type HourProfile,
  type ProfileCodec,
  type WindowCounter,
} from '../../libs/baseline/index.js';
import type { PhiEvidence } from '../../libs/phi/index.js';
import { BULK_KINDS } from './bulk.js';

/** Per principal: live window of response bytes, its baseline, the bulk kinds it uses, its hours. */
export interface PrincipalVolume {
  window: WindowCounter;
  bytes: Ewma;
  /** Largest closed window, decaying (see config peakFactor). */
  peak: Peak;
  /** Bits of BULK_BIT this principal has used (while not alerting). */
  bulk: number;
  hours: HourProfile;
  /**
   * PHI in the responses of the current window (`phiStart` = window.start), for the finding's
   * evidence. NOTE: transient: not encoded into snapshots, set only when an event carried PHI.
   */
  phi?: PhiEvidence;
  phiStart?: number;
}

/** Per cohort: members' window bytes, how many members use each bulk kind, members seen. */
export interface CohortVolume {
  bytes: Ewma;
  /** Members that use each kind, in BULK_KINDS order. */
  bulkUsers: number[];
  members: number;
}

export const principalCodec: ProfileCodec<PrincipalVolume> = {
  create: () => ({ window: newCounter(), bytes: newEwma(), peak: newPeak(), bulk: 0, hours: newHourProfile() }),
  encode: (p) => ({ window: p.window, bytes: p.bytes, peak: p.peak, bulk: p.bulk, hours: encodeHourProfile(p.hours) }),
  decode(v) {
    if (typeof v !== 'object' || v === null) return undefined;
    const o = v as Record<string, unknown>;
    const hours = decodeHourProfile(o.hours);
    if (!isCounter(o.window) || !isEwma(o.bytes) || !isPeak(o.peak) || typeof o.bulk !== 'number' || !hours) return undefined;
    return { window: o.window, bytes: o.bytes, peak: o.peak, bulk: o.bulk, hours };
  },
  bytes: () => 64 + COUNTER_BYTES + EWMA_BYTES + PEAK_BYTES + HOUR_PROFILE_BYTES,
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
