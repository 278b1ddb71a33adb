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
  /**
   * The `vigil.events` partition the principal's events arrive on (Kafka detect role), so a new
   * owner of that partition loads exactly these rows (migration 0015). Absent: not known (cohort
   * rows, HTTP/file ingest, rows saved before 0015).
   */
  partition: z.number().int().nonnegative().optional(),
});
export type BaselineSnapshot = z.infer<typeof BaselineSnapshotSchema>;

/**
 * What a detector with baselines offers besides `Detector`, so start-up can restore its state and
 * shutdown (or a timer) can save it. Pure over the state object, like `detect`.
 */
export interface Persistent<S> {
  /**
   * Rows of the state. With `select`, only principal rows whose key it holds are needed (cohort rows
   * always): a detector may ignore it (the runtime filters anyway), passing it to
   * `ProfileMap.snapshot` only saves encoding the rows that would be thrown away.
   */
  snapshot(state: S, version: number, select?: SnapshotSelect): BaselineSnapshot[];
  /** Returns how many rows were taken; rows of other detectors or that fail to decode are skipped. */
  restore(state: S, rows: readonly BaselineSnapshot[]): number;
  /**
   * Optional: drop these principals' state (their partition moved to another instance). Without
   * it their state stays until LRU eviction; the runtime never writes it back (see framework.ts).
   */
  forget?(state: S, principals: ReadonlySet<string>): void;
}

/** Which principal rows a snapshot needs (the keys of `scope: 'principal'` rows). */
export interface SnapshotSelect {
  principals: ReadonlySet<string>;
}

/**
 * A row's `state` parsed, or undefined when it is not JSON: a damaged row is skipped, never trusted
 * (each detector's decoder then checks the shape).
 */
export function parseRowState(row: Pick<BaselineSnapshot, 'state'>): unknown {
  try {
    return JSON.parse(row.state) as unknown;
  } catch {
    return undefined;
  }
}
