import type { PhiEvidence } from '../../../libs/phi/index.js';

/**
 * Per principal + resource type bookkeeping for enumeration: a sliding window of object accesses
 * on event time, the tumbling-window baseline learned from the principal's own past, and the
 * current sequential-id run. Kept small: a normal principal holds a handful of entries.
 */
export interface Access {
  ts: number;
  id: string;
  ok: boolean;
}

export interface TypeWindow {
  entries: Access[];
  /** Index of the oldest live entry; entries before it are expired (compacted lazily). */
  head: number;
  /** Distinct ids answered successfully in the window, with occurrence counts. */
  okIds: Map<string, number>;
  /** Distinct ids answered 403/404 in the window, with occurrence counts. */
  failedIds: Map<string, number>;
  okTotal: number;
  failedTotal: number;
  /** Start of the current tumbling baseline window (event time, ms). */
  bucketStart: number;
  bucketIds: Set<string>;
  /** A window that alerted is not learned from, so an attack does not become the new normal. */
  bucketAlerted: boolean;
  /** EWMA of distinct successful ids per active window, and its variance. */
  mean: number;
  variance: number;
  learnedWindows: number;
  lastSeq: number | undefined;
  lastSeqTs: number;
  run: number;
  direction: number;
  /** PHI in this type's successful responses during the bucket `phiBucket` (libs/phi); set only when seen. */
  phi?: PhiEvidence;
  phiBucket?: number;
}

export function newTypeWindow(): TypeWindow {
  return {
    entries: [],
    head: 0,
    okIds: new Map(),
    failedIds: new Map(),
    okTotal: 0,
    failedTotal: 0,
    bucketStart: -1,
    bucketIds: new Set(),
    bucketAlerted: false,
    mean: 0,
    variance: 0,
    learnedWindows: 0,
    lastSeq: undefined,
    lastSeqTs: 0,
    run: 0,
    direction: 0,
  };
}

const EWMA_ALPHA = 0.2;
/** Cap on ids remembered per tumbling window: past it the count saturates, far above any threshold. */
const BUCKET_ID_CAP = 4096;
/** Cap on live window entries: past it the oldest go first, the window is already far past alerting. */
export const WINDOW_ENTRY_CAP = 10_000;

function decrement(map: Map<string, number>, id: string): void {
  const n = map.get(id);
  if (n === undefined) return;
  if (n <= 1) map.delete(id);
  else map.set(id, n - 1);
}

function dropOldest(w: TypeWindow): void {
  const e = w.entries[w.head];
  if (!e) return;
  w.head++;
  if (e.ok) {
    w.okTotal--;
    decrement(w.okIds, e.id);
  } else {
    w.failedTotal--;
    decrement(w.failedIds, e.id);
  }
}

/** Expires entries older than the window and rolls the tumbling baseline forward to `ts`. */
export function advance(w: TypeWindow, ts: number, windowMs: number): void {
  while (w.head < w.entries.length && (w.entries[w.head] as Access).ts <= ts - windowMs) dropOldest(w);
  if (w.head > 1024 && w.head * 2 > w.entries.length) {
    w.entries = w.entries.slice(w.head);
    w.head = 0;
  }
  const bucket = Math.floor(ts / windowMs) * windowMs;
  if (bucket !== w.bucketStart) {
    if (w.bucketStart >= 0 && w.bucketIds.size > 0 && !w.bucketAlerted) learn(w, w.bucketIds.size);
    w.bucketStart = bucket;
    w.bucketIds = new Set();
    w.bucketAlerted = false;
  }
}

function learn(w: TypeWindow, distinct: number): void {
  if (w.learnedWindows === 0) {
    w.mean = distinct;
    w.variance = 0;
  } else {
    const delta = distinct - w.mean;
    w.mean += EWMA_ALPHA * delta;
    w.variance = (1 - EWMA_ALPHA) * (w.variance + EWMA_ALPHA * delta * delta);
  }
  w.learnedWindows++;
}

/** Records one access; returns whether it added a new distinct id to its side of the window. */
export function record(w: TypeWindow, access: Access): boolean {
  if (w.entries.length - w.head >= WINDOW_ENTRY_CAP) dropOldest(w);
  w.entries.push(access);
  const map = access.ok ? w.okIds : w.failedIds;
  const n = map.get(access.id);
  map.set(access.id, (n ?? 0) + 1);
  if (access.ok) {
    w.okTotal++;
    if (w.bucketIds.size < BUCKET_ID_CAP) w.bucketIds.add(access.id);
  } else {
    w.failedTotal++;
  }
  return n === undefined;
}

/**
 * Updates the sequential run with an integer id. A walk is consecutive ids in one direction with
 * small gaps (ids that were deleted or never existed), all within one window.
 */
export function stepSequence(w: TypeWindow, seq: number, ts: number, windowMs: number): number {
  const prev = w.lastSeq;
  if (prev !== undefined && seq === prev) return w.run;
  if (prev !== undefined && ts - w.lastSeqTs < windowMs) {
    const d = seq - prev;
    const dir = Math.sign(d);
    if (Math.abs(d) <= MAX_WALK_GAP && (w.direction === 0 || w.direction === dir)) {
      w.run++;
      w.direction = dir;
    } else {
      w.run = 1;
      w.direction = 0;
    }
  } else {
    w.run = 1;
    w.direction = 0;
  }
  w.lastSeq = seq;
  w.lastSeqTs = ts;
  return w.run;
}

/** Largest step still counted as the next id of a walk (attackers skip ids that 404 or were deleted). */
const MAX_WALK_GAP = 3;

/** The distinct-id count above which this principal's window is abnormal. */
export function threshold(
  w: TypeWindow,
  cfg: { minDistinct: number; baselineMultiplier: number; learningWindows: number },
): number {
  if (w.learnedWindows < cfg.learningWindows) return cfg.minDistinct * cfg.baselineMultiplier;
  return Math.max(cfg.minDistinct, cfg.baselineMultiplier * w.mean, w.mean + 4 * Math.sqrt(w.variance));
}
