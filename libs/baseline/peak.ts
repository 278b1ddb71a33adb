/**
 * A decaying maximum: the largest value seen, halving every `halfLifeMs` of event time since it
 * was seen. Complements the EWMA for principals whose normal includes rare large windows (a nightly
 * export, an hourly sync burst): the mean and variance forget a once-a-day spike within hours,
 * the peak remembers it for days, so the next night's run is not an anomaly.
 */
export interface Peak {
  value: number;
  /** Event time the value was set (ms); -1 before the first. */
  ts: number;
}

export function newPeak(): Peak {
  return { value: 0, ts: -1 };
}

/** The peak as of `ts`, decayed. */
export function peakAt(p: Peak, ts: number, halfLifeMs: number): number {
  if (p.ts < 0) return 0;
  return p.value * Math.pow(2, -Math.max(0, ts - p.ts) / halfLifeMs);
}

export function observePeak(p: Peak, x: number, ts: number, halfLifeMs: number): void {
  if (x >= peakAt(p, ts, halfLifeMs)) {
    p.value = x;
    p.ts = ts;
  }
}

export function isPeak(v: unknown): v is Peak {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.value === 'number' && Number.isFinite(o.value) && typeof o.ts === 'number';
}

export const PEAK_BYTES = 40;

/** Packed form: slots `o` (value) and `o+1` (ts) of a plain number array; same arithmetic. */
export const PEAK_SLOTS = 2;

export function packPeak(a: number[], o: number, p: Peak): void {
  a[o] = p.value;
  a[o + 1] = p.ts;
}

export function unpackPeak(a: readonly number[], o: number): Peak {
  return { value: a[o] as number, ts: a[o + 1] as number };
}

/** `peakAt` of a packed peak. */
export function peakValueAt(a: readonly number[], o: number, ts: number, halfLifeMs: number): number {
  const at = a[o + 1] as number;
  if (at < 0) return 0;
  return (a[o] as number) * Math.pow(2, -Math.max(0, ts - at) / halfLifeMs);
}

/** `observePeak` on a packed peak. */
export function observePeakAt(a: number[], o: number, x: number, ts: number, halfLifeMs: number): void {
  if (x >= peakValueAt(a, o, ts, halfLifeMs)) {
    a[o] = x;
    a[o + 1] = ts;
  }
}
