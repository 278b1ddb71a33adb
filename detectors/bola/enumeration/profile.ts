import type { ProfileCodec } from '../../../libs/baseline/index.js';
import { decodePhiEvidence, type PhiEvidence } from '../../../libs/phi/index.js';
import type { Tokenizer } from '../../../libs/privacy/index.js';
import { BUCKET_ID_CAP, PEAK_HOURS, WINDOW_ENTRY_CAP, newTypeWindow, sealOf, type Access, type TypeWindow } from './window.js';

/**
 * A principal's enumeration state: one window per resource type it touched, in first-touch order.
 * NOTE: an array rather than a Map: principals touch one to a few types, and an array of one costs
 * a quarter of an empty Map (the budget counts it for every principal).
 */
export type Types = TypeWindow[];

/**
 * One type window as stored (JSON): tokens and numbers only. Entries and the bucket refer to `ids`
 * by index, so a token seen many times is written once.
 * - `at`: event time of each live entry, the first absolute, then differences from the previous
 *   (negative for an out-of-order event);
 * - `ref`: per entry, the index of its id in `ids`, or `-1 - index` for an access answered 403/404;
 * - `bucket`: the current tumbling window (`floor(ts / windowMs)`), `bucketIds`: indexes of its ids
 *   (its distinct-id count when it closes);
 * - `walk`: the sequential run, with the previous integer id as its token (`seal`), never raw;
 * - `drift`: the slow-enumeration run while one is on: its first bucket, frozen allowance, sum,
 *   the ids it has seen (`ids`: indexes) and how many of them the current bucket added (`fresh`).
 * The occurrence maps and totals are not stored: they are rebuilt from the entries.
 */
interface EncodedWindow {
  type: string;
  ids: string[];
  at: number[];
  ref: number[];
  bucket: number;
  bucketIds: number[];
  bucketAlerted: boolean;
  mean: number;
  variance: number;
  learnedWindows: number;
  walk?: { seal: string; ts: number; run: number; direction: number };
  drift?: { start: number; allowance: number; sum: number; ids: number[]; fresh: number };
  phi?: PhiEvidence;
  phiBucket?: number;
  /** A machine credential's alerted episodes: [last, episode, prev] buckets (window.ts `Schedule`). */
  schedule?: [number, number, number];
  /** A machine credential's hourly peaks: [latest hour, ...PEAK_HOURS maxima] (window.ts `Peaks`). */
  peaks?: number[];
}

export type TokenOf = Tokenizer['token'];

/**
 * `token` (the events' tokenizer, same key on every instance) seals the walk's previous id for
 * snapshots. Without it a walk is not saved: a restored principal starts its next walk afresh.
 */
export function createTypesCodec(token: TokenOf | undefined): ProfileCodec<Types> {
  return {
    create: () => [],
    encode: (p) => p.map((w) => encodeWindow(w, token)),
    decode(v) {
      if (!Array.isArray(v)) return undefined;
      const out: Types = [];
      for (const e of v) {
        const w = decodeWindow(e);
        if (w === undefined || out.some((x) => x.type === w.type)) return undefined;
        out.push(w);
      }
      return out;
    },
    bytes(p) {
      let n = 16 + 4 * p.length;
      for (const w of p) {
        n += 200 + (w.walk === undefined ? 0 : 80) + (w.schedule === undefined ? 0 : 48) + (w.peaks === undefined ? 0 : 280) + 90 * (w.entries.length - w.head);
        n += 40 * ((w.okIds?.size ?? 0) + (w.failedIds?.size ?? 0) + (w.bucketIds?.size ?? 0) + (w.driftIds?.size ?? 0));
      }
      return n;
    },
  };
}

function encodeWindow(w: TypeWindow, token: TokenOf | undefined): EncodedWindow {
  const index = new Map<string, number>();
  const ids: string[] = [];
  const indexOf = (id: string): number => {
    let i = index.get(id);
    if (i === undefined) {
      i = ids.length;
      ids.push(id);
      index.set(id, i);
    }
    return i;
  };
  const at: number[] = [];
  const ref: number[] = [];
  let prev = 0;
  for (let i = w.head; i < w.entries.length; i++) {
    const e = w.entries[i] as Access;
    at.push(e.ts - prev);
    prev = e.ts;
    const k = indexOf(e.id);
    ref.push(e.ok ? k : -1 - k);
  }
  const bucketIds: number[] = [];
  for (const id of w.bucketIds ?? []) bucketIds.push(indexOf(id));
  const driftIds: number[] = [];
  for (const id of w.driftIds ?? []) driftIds.push(indexOf(id));
  const k = w.walk;
  const seal = k === undefined ? undefined : sealOf(k, w.type, token);
  return {
    type: w.type,
    ids,
    at,
    ref,
    bucket: w.bucket,
    bucketIds,
    bucketAlerted: w.bucketAlerted,
    mean: w.mean,
    variance: w.variance,
    learnedWindows: w.learnedWindows,
    ...(k === undefined || seal === undefined ? {} : { walk: { seal, ts: k.ts, run: k.run, direction: k.direction } }),
    ...(w.driftStart < 0 ? {} : { drift: { start: w.driftStart, allowance: w.driftAllowance, sum: w.drift, ids: driftIds, fresh: w.driftNew } }),
    ...(w.phi === undefined ? {} : { phi: w.phi }),
    ...(w.phiBucket === undefined ? {} : { phiBucket: w.phiBucket }),
    ...(w.schedule === undefined ? {} : { schedule: [w.schedule.last, w.schedule.episode, w.schedule.prev] }),
    ...(w.peaks === undefined ? {} : { peaks: [w.peaks.hour, ...w.peaks.max] }),
  };
}

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const isStrings = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string' && s !== '');
const isNums = (x: unknown): x is number[] => Array.isArray(x) && x.every(isNum);

/** Undefined unless `v` is exactly what `encodeWindow` writes: a row that fails is skipped, never trusted. */
function decodeWindow(v: unknown): TypeWindow | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Partial<Record<keyof EncodedWindow, unknown>>;
  const { type, ids, at, ref, bucketIds } = o;
  if (typeof type !== 'string' || type === '' || !isStrings(ids) || !isNums(at) || !isNums(ref) || !isNums(bucketIds)) return undefined;
  if (at.length !== ref.length || at.length > WINDOW_ENTRY_CAP || bucketIds.length > BUCKET_ID_CAP) return undefined;
  if (!Number.isSafeInteger(o.bucket) || typeof o.bucketAlerted !== 'boolean' || !isNum(o.mean) || !isNum(o.variance) || !isCount(o.learnedWindows)) {
    return undefined;
  }
  const w = newTypeWindow(type);
  let ts = 0;
  for (let i = 0; i < at.length; i++) {
    ts += at[i] as number;
    const r = ref[i] as number;
    const ok = r >= 0;
    const id = ids[ok ? r : -1 - r];
    if (!Number.isInteger(r) || id === undefined) return undefined;
    w.entries.push({ ts, id, ok });
    const map = ok ? (w.okIds ??= new Map<string, number>()) : (w.failedIds ??= new Map<string, number>());
    map.set(id, (map.get(id) ?? 0) + 1);
    if (!ok) w.failedTotal++;
  }
  for (const k of bucketIds) {
    const id = ids[k];
    if (!Number.isInteger(k) || id === undefined) return undefined;
    (w.bucketIds ??= new Set()).add(id);
  }
  w.bucket = o.bucket as number;
  w.bucketAlerted = o.bucketAlerted;
  w.mean = o.mean;
  w.variance = o.variance;
  w.learnedWindows = o.learnedWindows;
  if (o.walk !== undefined) {
    if (typeof o.walk !== 'object' || o.walk === null) return undefined;
    const { seal, ts: seqTs, run, direction } = o.walk as Record<string, unknown>;
    if (typeof seal !== 'string' || seal === '' || !isNum(seqTs) || !isCount(run)) return undefined;
    if (direction !== -1 && direction !== 0 && direction !== 1) return undefined;
    w.walk = { lastSeq: Number.NaN, ts: seqTs, run, direction, seal };
  }
  if (o.drift !== undefined) {
    if (typeof o.drift !== 'object' || o.drift === null) return undefined;
    const { start, allowance, sum, ids: runIds, fresh } = o.drift as Record<string, unknown>;
    if (!isCount(start) || !isCount(allowance) || allowance < 1 || !Number.isSafeInteger(sum) || (sum as number) <= 0 || !isNums(runIds) || !isCount(fresh)) return undefined;
    if (runIds.length > BUCKET_ID_CAP || fresh > runIds.length) return undefined;
    const run = new Set<string>();
    for (const k of runIds) {
      const id = ids[k];
      if (!Number.isInteger(k) || id === undefined) return undefined;
      run.add(id);
    }
    w.driftStart = start;
    w.driftAllowance = allowance;
    w.drift = sum as number;
    w.driftIds = run;
    w.driftNew = fresh;
  }
  if (o.phi !== undefined) {
    const phi = decodePhiEvidence(o.phi);
    if (phi === undefined || !isNum(o.phiBucket)) return undefined;
    w.phi = phi;
  }
  if (o.phiBucket !== undefined) {
    if (!isNum(o.phiBucket)) return undefined;
    w.phiBucket = o.phiBucket;
  }
  // Rows saved before schedules were kept have none: the next daily batch alerts once more.
  if (o.schedule !== undefined) {
    const s = o.schedule;
    if (!Array.isArray(s) || s.length !== 3 || !s.every((x) => Number.isSafeInteger(x) && (x as number) >= -1)) return undefined;
    const [last, episode, prev] = s as [number, number, number];
    w.schedule = { last, episode, prev };
  }
  // Rows saved before peaks were kept have none: a machine's next morning may drift once more.
  if (o.peaks !== undefined) {
    const p = o.peaks;
    if (!Array.isArray(p) || p.length !== PEAK_HOURS + 1 || !p.every(isCount)) return undefined;
    const [hour, ...max] = p;
    w.peaks = { hour: hour as number, max };
  }
  return w;
}

/**
 * Memory budget measurement only (libs/baseline/budget.ts): empties the capped collections (live
 * entries, their occurrence maps, the bucket's ids) and keeps everything else. An empty collection
 * is left as the detector leaves one: the entries an empty array, the maps and the set let go.
 */
export function clearCappedWindows(p: Types): void {
  for (const w of p) {
    w.entries = [];
    w.head = 0;
    w.okIds = undefined;
    w.failedIds = undefined;
    w.bucketIds = undefined;
    w.driftIds = undefined;
  }
}
