export { hash32 } from './hash.js';
export { newEwma, observe, stdDev, upperBound, deviation, isEwma, EWMA_BYTES, type Ewma, type EwmaOptions } from './ewma.js';
export { newHll, hllAdd, hllCount, hllMerge, encodeHll, decodeHll, type Hll } from './hll.js';
export { newCountMin, cmAdd, cmEstimate, encodeCountMin, decodeCountMin, type CountMin } from './count-min.js';
export {
  newHourProfile,
  hourOf,
  hourAdd,
  hourShare,
  isUsualHour,
  encodeHourProfile,
  decodeHourProfile,
  HOUR_PROFILE_BYTES,
  type HourProfile,
} from './hour-profile.js';
export { newCappedSet, cappedAdd, encodeCappedSet, decodeCappedSet, type CappedSet, type CappedAdd } from './capped-set.js';
export { newRing, ringPush, ringValues, quantileOf, robustZ, encodeRing, decodeRing, type Ring } from './quantile.js';
export { newCounter, roll, estimate, isCounter, COUNTER_BYTES, type WindowCounter } from './counter.js';
export { cohortKey, roleKey } from './cohort.js';
export { createProfileMap, type ProfileCodec, type ProfileMap, type Tracked, type Learning } from './profiles.js';
export { createPackedProfileMap, META_SLOTS, type PackedCodec, type PackedProfileMap } from './packed-profiles.js';
export {
  BaselineSnapshotSchema,
  BaselineScopeSchema,
  type BaselineSnapshot,
  type BaselineScope,
  type Persistent,
  type SnapshotSelect,
  parseRowState,
} from './snapshot.js';
export { createChangeTracker, type ChangeTracker, type ChangeTrackerOptions } from './changes.js';
export { measureHeapPerItem, measureHeapSplit } from './memory.js';
export { PRINCIPAL_BUDGET_BYTES, hasCappedSets, type CappedSets } from './budget.js';
export { confidence, round2, type BaselineSource } from './confidence.js';
export { newPeak, peakAt, observePeak, isPeak, PEAK_BYTES, type Peak } from './peak.js';
export { createPrincipalMemo, COHORT_MEMO_CAPACITY, type PrincipalMemo } from './principal-memo.js';
export { createRouteMemo, ROUTE_MEMO_CAPACITY, type RouteMemo } from './route-memo.js';
export { createBaselineSnapshotter, type BaselineSnapshotter, type Schedule, type SnapshotSink, type SnapshotSource } from './snapshotter.js';
