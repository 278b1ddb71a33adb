import { z } from 'zod';

/**
 * One saved baseline: a detector's profile of one principal or cohort, as stored in ClickHouse
 * (`baselines`, migration 0005). `state` is the detector's own JSON encoding of its profile:
 * numbers, sketches and tokenized values only, never raw identifiers.
 * NOTE: `version` decides which row wins in the ReplacingMergeTree; the caller passes one that
 * grows between snapshots (wall-clock ms of the snapshot is fine: snapshots are not detection).
 */
export const BaselineScopeSchema = z.enum(['principal', 'cohort']);
export type BaselineScope = z.infer<typeof BaselineScopeSchema>;

export const BaselineSnapshotSchema = z.object({
  detector: z.string().min(1),
  scope: BaselineScopeSchema,
  key: z.string().min(1),
  version: z.number().int().nonnegative(),
  /** Event time of the first and last observation (ms). */
  firstTs: z.number().int(),
  lastTs: z.number().int(),
  /** Observations counted toward the learning period. */
  events: z.number().int().nonnegative(),
  state: z.string(),
});
export type BaselineSnapshot = z.infer<typeof BaselineSnapshotSchema>;

/**
 * What a detector with baselines offers besides `Detector`, so start-up can restore its state and
 * shutdown (or a timer) can save it. Pure over the state object, like `detect`.
 */
export interface Persistent<S> {
  snapshot(state: S, version: number): BaselineSnapshot[];
  /** Returns how many rows were taken; rows of other detectors or that fail to decode are skipped. */
  restore(state: S, rows: readonly BaselineSnapshot[]): number;
}
