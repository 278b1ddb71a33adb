/**
 * A sliding-window counter on event time from two tumbling buckets: the estimate over the last
 * `widthMs` is the current bucket plus the previous one weighted by how much of it still overlaps
 * the window. Two numbers instead of a list of timestamps, accurate to within one bucket edge.
 *
 * When a bucket closes its total is handed back for learning, unless the bucket alerted (an attack
 * must not become the new normal) or it was empty (baselines are per active window).
 */
export interface WindowCounter {
  /** Start of the current bucket (ms, a multiple of the width); -1 before the first event. */
  start: number;
  cur: number;
  prev: number;
  /** Set by the detector when this bucket raised a finding. */
  alerted: boolean;
}

export function newCounter(): WindowCounter {
  return { start: -1, cur: 0, prev: 0, alerted: false };
}

/**
 * Moves the counter to the bucket holding `ts`. Returns the total of the bucket that closed, or -1
 * when none closed, it was empty, or it alerted. Events out of order (ts in an earlier bucket) are
 * counted in the current bucket: logs arrive almost sorted, and the window is an estimate anyway.
 */
export function roll(c: WindowCounter, ts: number, widthMs: number): number {
  const bucket = Math.floor(ts / widthMs) * widthMs;
  if (bucket <= c.start) return -1;
  const closed = c.start >= 0 && c.cur > 0 && !c.alerted ? c.cur : -1;
  c.prev = bucket - c.start === widthMs ? c.cur : 0;
  c.cur = 0;
  c.start = bucket;
  c.alerted = false;
  return closed;
}

/** Sliding estimate of the count over the `widthMs` ending at `ts` (call `roll` first). */
export function estimate(c: WindowCounter, ts: number, widthMs: number): number {
  const into = Math.min(1, Math.max(0, (ts - c.start) / widthMs));
  return c.cur + c.prev * (1 - into);
}

export function isCounter(v: unknown): v is WindowCounter {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.start === 'number' && typeof o.cur === 'number' && typeof o.prev === 'number' && typeof o.alerted === 'boolean';
}

export const COUNTER_BYTES = 48;

/**
 * Packed form: slots `o..o+3` of a plain number array (start, cur, prev, alerted as 0/1), for
 * profiles that keep their numbers in one double array (see `EWMA_SLOTS` in ewma.ts). Same
 * arithmetic as `roll` and `estimate`.
 */
export const COUNTER_SLOTS = 4;
/** Offsets inside a packed counter: the current bucket's count and the alerted flag (0/1). */
export const COUNTER_CUR = 1;
export const COUNTER_ALERTED = 3;

export function packCounter(a: number[], o: number, c: WindowCounter): void {
  a[o] = c.start;
  a[o + 1] = c.cur;
  a[o + 2] = c.prev;
  a[o + 3] = c.alerted ? 1 : 0;
}

export function unpackCounter(a: readonly number[], o: number): WindowCounter {
  return { start: a[o] as number, cur: a[o + 1] as number, prev: a[o + 2] as number, alerted: a[o + 3] === 1 };
}

/**
 * True when `ts` falls before the previous bucket of the packed counter at `o`: outside every window
 * the counter still estimates, so counting it in the current bucket (what `roll` does with a late
 * event) would only inflate it. Such events are re-sent log lines (shippers deliver at least once:
 * a restart re-sends what was not acknowledged, hours of it after a crash), not a latency's disorder.
 */
export function tooLateAt(a: readonly number[], o: number, ts: number, widthMs: number): boolean {
  const start = a[o] as number;
  return start >= 0 && ts < start - widthMs;
}

/** `roll` on a packed counter. */
export function rollAt(a: number[], o: number, ts: number, widthMs: number): number {
  const bucket = Math.floor(ts / widthMs) * widthMs;
  const start = a[o] as number;
  if (bucket <= start) return -1;
  const cur = a[o + 1] as number;
  const closed = start >= 0 && cur > 0 && a[o + 3] === 0 ? cur : -1;
  a[o + 2] = bucket - start === widthMs ? cur : 0;
  a[o + 1] = 0;
  a[o] = bucket;
  a[o + 3] = 0;
  return closed;
}

/** `estimate` of a packed counter. */
export function estimateAt(a: readonly number[], o: number, ts: number, widthMs: number): number {
  const into = Math.min(1, Math.max(0, (ts - (a[o] as number)) / widthMs));
  return (a[o + 1] as number) + (a[o + 2] as number) * (1 - into);
}
