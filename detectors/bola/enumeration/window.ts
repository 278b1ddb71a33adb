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
  /** The resource type (object kind) this window counts, e.g. Patient. */
  readonly type: string;
  entries: Access[];
  /** Index of the oldest live entry; entries before it are expired (compacted lazily). */
  head: number;
  /**
   * Distinct ids answered successfully in the window, with occurrence counts.
   * NOTE: this and the two collections below exist only while non-empty (an empty Map costs ~190
   * bytes, and most principals' windows are empty or never see a failure).
   */
  okIds: Map<string, number> | undefined;
  /** Distinct ids answered 403/404 in the window, with occurrence counts. */
  failedIds: Map<string, number> | undefined;
  /** 403/404 accesses in the window (the rest of the live entries were answered 2xx/3xx). */
  failedTotal: number;
  /** The current tumbling baseline window, as `floor(ts / windowMs)` (a small integer, not a boxed time); -1 before the first. */
  bucket: number;
  bucketIds: Set<string> | undefined;
  /** A window that alerted is not learned from, so an attack does not become the new normal. */
  bucketAlerted: boolean;
  /** EWMA of distinct successful ids per active window, and its variance. */
  mean: number;
  variance: number;
  learnedWindows: number;
  /**
   * Slow enumeration (a CUSUM over closed windows, `closeDrift`): ids new to the run beyond
   * `driftAllowance` per window, summed over consecutive windows since `driftStart` (a bucket index;
   * -1: no run). Integers, so V8 keeps them unboxed.
   */
  drift: number;
  driftAllowance: number;
  driftStart: number;
  /**
   * The run's distinct successful ids, only during a run: an id re-read in a later window is not new
   * (a clinician going back over the same list is no walk). `driftNew`: how many the current window added.
   */
  driftIds: Set<string> | undefined;
  driftNew: number;
  /** The sequential run, from the first integer id of this type on (most types never see one). */
  walk: Walk | undefined;
  /**
   * A machine credential's alerted windows (bucket indexes), to tell a batch it runs at the same
   * time every day (`advance`); created at its first alerted window, never for people.
   */
  schedule?: Schedule;
  /**
   * A machine credential's busiest learned window per hour over the last PEAK_HOURS hours
   * (`notePeak`): what its slow-enumeration allowance starts from. Never for people.
   */
  peaks?: Peaks;
  /** PHI in this type's successful responses during the bucket `phiBucket` (libs/phi); set only when seen. */
  phi?: PhiEvidence;
  phiBucket?: number;
}

/**
 * Episodes of alerted windows (windows at most an hour apart): the first bucket of the current one
 * and of the one before, and the last alerted bucket.
 */
export interface Schedule {
  last: number;
  episode: number;
  prev: number;
}

/** Hourly maxima of distinct ids per learned window: `max[h % PEAK_HOURS]` for the hours up to `hour`. */
export interface Peaks {
  /** The latest hour (epoch hours) written. */
  hour: number;
  max: number[];
}

/** A day, and the two hours a job queue moves a daily start (as `recursDaily` allows). */
export const PEAK_HOURS = 26;

export interface Walk {
  /** The previous integer id. NaN on a restored walk until `unseal` resolves `seal`. */
  lastSeq: number;
  /** Event time of the previous integer id. */
  ts: number;
  run: number;
  direction: number;
  /**
   * Set only on a restored walk: the token of the previous id, which snapshots never hold raw. The
   * next integer id of this type resolves it back to a number (`unseal`), then it is cleared.
   */
  seal: string | undefined;
}

export function newTypeWindow(type: string): TypeWindow {
  return {
    type,
    entries: [],
    head: 0,
    okIds: undefined,
    failedIds: undefined,
    failedTotal: 0,
    bucket: -1,
    bucketIds: undefined,
    bucketAlerted: false,
    mean: 0,
    variance: 0,
    learnedWindows: 0,
    drift: 0,
    driftAllowance: 0,
    driftStart: -1,
    driftIds: undefined,
    driftNew: 0,
    walk: undefined,
  };
}

const EWMA_ALPHA = 0.2;
/** Cap on ids remembered per tumbling window: past it the count saturates, far above any threshold. */
export const BUCKET_ID_CAP = 4096;
/** Cap on live window entries: past it the oldest go first, the window is already far past alerting. */
export const WINDOW_ENTRY_CAP = 10_000;

/** One occurrence fewer; returns the map, or undefined once it is empty (then it is let go). */
function decrement(map: Map<string, number> | undefined, id: string): Map<string, number> | undefined {
  if (map === undefined) return undefined;
  const n = map.get(id);
  if (n === undefined) return map;
  if (n > 1) map.set(id, n - 1);
  else map.delete(id);
  return map.size === 0 ? undefined : map;
}

function dropOldest(w: TypeWindow): void {
  const e = w.entries[w.head];
  if (!e) return;
  w.head++;
  if (e.ok) {
    w.okIds = decrement(w.okIds, e.id);
  } else {
    w.failedTotal--;
    w.failedIds = decrement(w.failedIds, e.id);
  }
}

/**
 * True when `ts` falls before the window's previous tumbling window: a re-sent log line (shippers
 * deliver at least once; after a crash, hours of lines come again), which recorded now would stay
 * among the live accesses, behind newer ones, and swell the distinct count with ids read long ago.
 */
export function tooLate(w: TypeWindow, ts: number, windowMs: number): boolean {
  return w.bucket >= 0 && Math.floor(ts / windowMs) < w.bucket - 1;
}

/** Expires entries older than the window and rolls the tumbling baseline forward to `ts`. */
export function advance(w: TypeWindow, ts: number, windowMs: number, learningWindows: number, machine = false): void {
  while (w.head < w.entries.length && (w.entries[w.head] as Access).ts <= ts - windowMs) dropOldest(w);
  if (w.head > 0 && w.head === w.entries.length) {
    // The window emptied: let the expired accesses go now rather than hold up to 1024 of them.
    w.entries = [];
    w.head = 0;
  } else if (w.head > 1024 && w.head * 2 > w.entries.length) {
    w.entries = w.entries.slice(w.head);
    w.head = 0;
  }
  const bucket = Math.floor(ts / windowMs);
  // NOTE: forward only. A read stamped in an earlier window (gateways log a request when it
  // completes, stamped with its start) counts in the current one, as libs/baseline/counter.ts
  // `roll` does: closing windows on every step back re-learned a window of one id each time
  // (15 windows learned instead of 5 in index.test.ts) and cut an enumeration's count short.
  if (bucket > w.bucket) {
    if (w.bucket >= 0) closeDrift(w, w.bucketIds?.size ?? 0, bucket, learningWindows, machine ? recentPeak(w, hourOf(w.bucket, windowMs)) : 0);
    const daily = w.bucket >= 0 && w.bucketAlerted && machine && recursDaily(w, windowMs);
    if (w.bucket >= 0 && w.bucketIds !== undefined && (!w.bucketAlerted || daily)) {
      learn(w, w.bucketIds.size);
      if (machine) notePeak(w, hourOf(w.bucket, windowMs), w.bucketIds.size);
    }
    w.bucket = bucket;
    w.bucketIds = undefined;
    w.bucketAlerted = false;
  }
}

/**
 * Notes an alerted window of a machine credential; true when its episode began about a day after
 * the previous one (22 to 26 hours: the same time of day, give or take the two hours a job queue or
 * the job before it moves a nightly start): a batch the service runs every night (eligibility checks, a
 * reconciliation), which is then learned even though it alerted. NOTE: a window that alerted is
 * otherwise never learned, so such a batch alerted every night forever (an independent
 * clearinghouse probe, 2026-11-30: 12 partners, every night). People are never judged this way,
 * and a thief keeping to a daily schedule has alerted twice before it becomes normal.
 */
function recursDaily(w: TypeWindow, windowMs: number): boolean {
  const hour = Math.max(1, Math.round(3_600_000 / windowMs));
  const s = (w.schedule ??= { last: -1, episode: -1, prev: -1 });
  if (s.last < 0 || w.bucket - s.last > hour) {
    s.prev = s.episode;
    s.episode = w.bucket;
  }
  s.last = w.bucket;
  const gap = s.episode - s.prev;
  return s.prev >= 0 && gap >= 22 * hour && gap <= 26 * hour;
}

/**
 * Twice the baseline, or 3 sd above it: what a window may show before it counts toward a slow
 * enumeration. An integer, so the sum stays one. `peak`: for a machine credential, its busiest
 * learned window of the last day (`recentPeak`), 0 for people.
 */
function driftAllowance(w: TypeWindow, peak: number): number {
  return Math.max(1, peak, Math.ceil(Math.max(2 * w.mean, w.mean + 3 * Math.sqrt(w.variance))));
}

const hourOf = (bucket: number, windowMs: number): number => Math.floor((bucket * windowMs) / 3_600_000);

/**
 * Notes a learned window of a machine credential in its hourly maxima.
 * Why: a service's or partner's load follows its upstream's day (claims checked as pharmacies fill
 * the night's queue each morning, at 2-3 times the afternoon's pace), while the EWMA follows the
 * last few hours, which by morning are the quiet evening's: every morning's rise then read as a slow
 * enumeration against an allowance of twice the evening (an independent pharmacy probe,
 * 2026-12-01: an insurer's key on five mornings of six). What the credential itself read in a
 * window within the last day, unflagged, is no drift today. People are not judged this way: their
 * busy windows are not a schedule, and an insider's slow harvest is what this pattern is for.
 */
function notePeak(w: TypeWindow, hour: number, distinct: number): void {
  const p = (w.peaks ??= { hour, max: new Array<number>(PEAK_HOURS).fill(0) });
  if (hour > p.hour) {
    // Hours since the last note had no learned window: clear them (all of them after a day away).
    for (let h = Math.max(p.hour + 1, hour - PEAK_HOURS + 1); h <= hour; h++) p.max[h % PEAK_HOURS] = 0;
    p.hour = hour;
  }
  // A window learned late (hour < p.hour) counts in its own hour if still within the ring.
  if (hour > p.hour - PEAK_HOURS) {
    const i = hour % PEAK_HOURS;
    p.max[i] = Math.max(p.max[i] ?? 0, distinct);
  }
}

/** The busiest learned window in the PEAK_HOURS hours up to `hour`, 0 when none. */
function recentPeak(w: TypeWindow, hour: number): number {
  const p = w.peaks;
  if (p === undefined) return 0;
  let max = 0;
  for (let h = Math.max(hour - PEAK_HOURS + 1, p.hour - PEAK_HOURS + 1); h <= Math.min(hour, p.hour); h++) max = Math.max(max, p.max[h % PEAK_HOURS] ?? 0);
  return max;
}

/**
 * The CUSUM step of a closed window with `distinct` successful ids. A run starts at a window above
 * the allowance of a learned baseline, with that allowance frozen for the run (the baseline goes on
 * learning meanwhile, so a lasting change becomes the new normal after one alert), adds each
 * window's ids new to the run minus the allowance, and ends when the sum falls to 0, when an idle
 * window breaks the sequence, or when the window alerted.
 */
function closeDrift(w: TypeWindow, distinct: number, next: number, learningWindows: number, peak: number): void {
  if (w.driftStart >= 0 && !w.bucketAlerted) {
    w.drift += w.driftNew - w.driftAllowance;
  } else if (!w.bucketAlerted && w.learnedWindows >= learningWindows) {
    const allowance = driftAllowance(w, peak);
    if (distinct > allowance) {
      w.driftStart = w.bucket;
      w.driftAllowance = allowance;
      w.drift = distinct - allowance;
      w.driftIds = new Set(w.bucketIds);
    }
  }
  w.driftNew = 0;
  if (w.drift <= 0 || next !== w.bucket + 1 || w.bucketAlerted) endDrift(w);
}

export function endDrift(w: TypeWindow): void {
  w.drift = 0;
  w.driftAllowance = 0;
  w.driftStart = -1;
  w.driftIds = undefined;
  w.driftNew = 0;
}

/**
 * The run so far, counting the current window (it alerts before its window closes): its distinct
 * ids and their excess over the allowance. Undefined without a run: one window alone is
 * distinct_ids' to judge (`threshold`), a run starts only when a window above the allowance closes.
 */
export function liveDrift(w: TypeWindow): { distinct: number; excess: number; allowance: number; since: number } | undefined {
  if (w.driftStart < 0) return undefined;
  return { distinct: w.driftIds?.size ?? 0, excess: w.drift + w.driftNew - w.driftAllowance, allowance: w.driftAllowance, since: w.driftStart };
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
  // NOTE: the first access gets an array of one; push on an empty array would reserve 17 slots.
  if (w.entries.length === 0) w.entries = [access];
  else w.entries.push(access);
  const map = access.ok ? (w.okIds ??= new Map<string, number>()) : (w.failedIds ??= new Map<string, number>());
  const n = map.get(access.id);
  map.set(access.id, (n ?? 0) + 1);
  if (access.ok) {
    const bucketIds = (w.bucketIds ??= new Set());
    if (bucketIds.size < BUCKET_ID_CAP) bucketIds.add(access.id);
    const run = w.driftIds;
    if (run !== undefined && run.size < BUCKET_ID_CAP && !run.has(access.id)) {
      run.add(access.id);
      w.driftNew++;
    }
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
  const k = w.walk;
  if (k === undefined) {
    w.walk = { lastSeq: seq, ts, run: 1, direction: 0, seal: undefined };
    return 1;
  }
  const prev = k.lastSeq;
  if (seq === prev) return k.run;
  if (ts - k.ts < windowMs) {
    // NaN (a restored walk whose previous id was not within a step) fails the gap test: a new walk.
    const d = seq - prev;
    const dir = Math.sign(d);
    if (Math.abs(d) <= MAX_WALK_GAP && (k.direction === 0 || k.direction === dir)) {
      k.run++;
      k.direction = dir;
    } else {
      k.run = 1;
      k.direction = 0;
    }
  } else {
    k.run = 1;
    k.direction = 0;
  }
  k.lastSeq = seq;
  k.ts = ts;
  return k.run;
}

/**
 * Turns a restored walk's `seal` back into the previous id, given the next integer id `seq` of the
 * type: it is `seq` itself, or a step of at most MAX_WALK_GAP from it (a possible continuation,
 * only while the walk has not timed out), or else it is farther away, which `stepSequence` treats
 * alike whatever the value (a new walk starts), so NaN stands for it. Exact: up to 7 tokens, once
 * per restored walk. `token` is the tokenizer the seal was made with (`sealOf`); without one the
 * previous id cannot be known, and the seal is dropped all the same (it must never outlive `seq`).
 */
export function unseal(
  k: Walk,
  type: string,
  seq: number,
  ts: number,
  windowMs: number,
  token: ((kind: string, raw: string) => string) | undefined,
): void {
  const seal = k.seal;
  k.seal = undefined;
  k.lastSeq = Number.NaN;
  if (token === undefined) return;
  if (token(type, String(seq)) === seal) {
    k.lastSeq = seq;
    return;
  }
  if (ts - k.ts < windowMs) {
    for (let d = 1; d <= MAX_WALK_GAP; d++) {
      for (const prev of [seq - d, seq + d]) {
        if (token(type, String(prev)) === seal) {
          k.lastSeq = prev;
          return;
        }
      }
    }
  }
}

/**
 * The token a snapshot keeps for the walk's previous id: the one the events carry for that id when
 * it was written canonically. Undefined when there is none to keep, or no tokenizer to make it.
 */
export function sealOf(k: Walk, type: string, token: ((kind: string, raw: string) => string) | undefined): string | undefined {
  if (k.seal !== undefined) return k.seal;
  return token === undefined || Number.isNaN(k.lastSeq) ? undefined : token(type, String(k.lastSeq));
}

/** Largest step still counted as the next id of a walk (attackers skip ids that 404 or were deleted). */
const MAX_WALK_GAP = 3;

/**
 * The busiest learned window of a machine credential in the last PEAK_HOURS hours before the
 * current window (0 without one): what a batch it ran yesterday at this time read.
 */
export function machinePeak(w: TypeWindow, windowMs: number): number {
  return recentPeak(w, hourOf(w.bucket, windowMs));
}

/**
 * The distinct-id count above which this principal's window is abnormal. `peak`: for a machine
 * credential, `machinePeak`. While the type is still learning, the floor is for unknown
 * principals; a machine's batch spans one or two windows a night, so it learns for nights, and a
 * batch it read within the last day unflagged (on its first day, index.ts) raises the floor to
 * what the learned baseline would allow for it (baselineMultiplier x that batch).
 */
export function threshold(
  w: TypeWindow,
  cfg: { minDistinct: number; baselineMultiplier: number; learningWindows: number },
  peak = 0,
): number {
  if (w.learnedWindows < cfg.learningWindows) return cfg.baselineMultiplier * Math.max(cfg.minDistinct, peak);
  return Math.max(cfg.minDistinct, cfg.baselineMultiplier * w.mean, w.mean + 4 * Math.sqrt(w.variance));
}
