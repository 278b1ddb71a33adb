import {
  EWMA_BYTES,
  isCounter,
  isEwma,
  isPeak,
  META_SLOTS,
  newEwma,
  type Ewma,
  type PackedCodec,
  type Peak,
  type ProfileCodec,
  type WindowCounter,
} from '../../libs/baseline/index.js';
import { COUNTER_SLOTS, packCounter, unpackCounter } from '../../libs/baseline/counter.js';
import { EWMA_SLOTS, packEwma, unpackEwma } from '../../libs/baseline/ewma.js';
import { PEAK_SLOTS, packPeak, unpackPeak } from '../../libs/baseline/peak.js';

/**
 * Per principal: live windows of searches and deep pages, their baselines, and its page sizes,
 * packed into one array of doubles (slot offsets below). NOTE: packed because every principal
 * holds all of it (nothing here is capped): as objects the counters, EWMAs and peaks cost ~1 KiB
 * per principal (each double a separate heap number), packed ~290 B. The snapshot format is the
 * object form (`ScrapeFields`), unchanged.
 */
export type PrincipalScrape = number[];

/** Slot offsets in a `PrincipalScrape`, after the profile map's own (first and last event time, events). */
export const SEARCHES = META_SLOTS;
export const PAGES = SEARCHES + COUNTER_SLOTS;
export const SEARCH_RATE = PAGES + COUNTER_SLOTS;
export const PAGE_RATE = SEARCH_RATE + EWMA_SLOTS;
export const COUNT = PAGE_RATE + EWMA_SLOTS;
export const SEARCH_PEAK = COUNT + EWMA_SLOTS;
export const PAGE_PEAK = SEARCH_PEAK + PEAK_SLOTS;
export const COUNT_PEAK = PAGE_PEAK + PEAK_SLOTS;
/** Window bucket (ms) in which a count_inflation finding was last raised; -1 never. */
export const COUNT_ALERT_BUCKET = COUNT_PEAK + PEAK_SLOTS;
const SLOTS = COUNT_ALERT_BUCKET + 1;

/** The object form: what snapshots hold. */
interface ScrapeFields {
  searches: WindowCounter;
  pages: WindowCounter;
  searchRate: Ewma;
  pageRate: Ewma;
  searchPeak: Peak;
  pagePeak: Peak;
  /** Page sizes asked for (`_count`, `limit`...), one observation per request that sets one. */
  count: Ewma;
  countPeak: Peak;
  countAlertBucket: number;
}

/**
 * A fresh profile. NOTE: sliced from a double array so every profile is a packed double array
 * of exactly SLOTS elements from the start (no boxing, no elements-kind transition later).
 */
const TEMPLATE: number[] = Array.from({ length: SLOTS }, () => 0.5);
packCounter(TEMPLATE, SEARCHES, { start: -1, cur: 0, prev: 0, alerted: false });
packCounter(TEMPLATE, PAGES, { start: -1, cur: 0, prev: 0, alerted: false });
for (const o of [SEARCH_RATE, PAGE_RATE, COUNT]) packEwma(TEMPLATE, o, newEwma());
for (const o of [SEARCH_PEAK, PAGE_PEAK, COUNT_PEAK]) packPeak(TEMPLATE, o, { value: 0, ts: -1 });
TEMPLATE[COUNT_ALERT_BUCKET] = -1;

const COUNTERS = ['searches', 'pages'] as const;
const EWMAS = ['searchRate', 'pageRate', 'count'] as const;
const PEAKS = ['searchPeak', 'pagePeak', 'countPeak'] as const;

export const principalCodec: PackedCodec<PrincipalScrape> = {
  create: () => TEMPLATE.slice(),
  meta: (p) => p,
  encode: (p): ScrapeFields => ({
    searches: unpackCounter(p, SEARCHES),
    pages: unpackCounter(p, PAGES),
    searchRate: unpackEwma(p, SEARCH_RATE),
    pageRate: unpackEwma(p, PAGE_RATE),
    searchPeak: unpackPeak(p, SEARCH_PEAK),
    pagePeak: unpackPeak(p, PAGE_PEAK),
    count: unpackEwma(p, COUNT),
    countPeak: unpackPeak(p, COUNT_PEAK),
    countAlertBucket: p[COUNT_ALERT_BUCKET] as number,
  }),
  decode(v) {
    if (typeof v !== 'object' || v === null) return undefined;
    const o = v as Record<string, unknown>;
    if (!COUNTERS.every((k) => isCounter(o[k])) || !EWMAS.every((k) => isEwma(o[k])) || !PEAKS.every((k) => isPeak(o[k]))) return undefined;
    if (typeof o.countAlertBucket !== 'number') return undefined;
    const f = o as unknown as ScrapeFields;
    const p = TEMPLATE.slice();
    packCounter(p, SEARCHES, f.searches);
    packCounter(p, PAGES, f.pages);
    packEwma(p, SEARCH_RATE, f.searchRate);
    packEwma(p, PAGE_RATE, f.pageRate);
    packEwma(p, COUNT, f.count);
    packPeak(p, SEARCH_PEAK, f.searchPeak);
    packPeak(p, PAGE_PEAK, f.pagePeak);
    packPeak(p, COUNT_PEAK, f.countPeak);
    p[COUNT_ALERT_BUCKET] = f.countAlertBucket;
    return p;
  },
  bytes: () => 48 + 8 * SLOTS,
};

/** Per cohort: members' searches and deep pages per active window, and their page sizes. */
export interface CohortScrape {
  searchRate: Ewma;
  pageRate: Ewma;
  count: Ewma;
}

export const cohortCodec: ProfileCodec<CohortScrape> = {
  create: () => ({ searchRate: newEwma(), pageRate: newEwma(), count: newEwma() }),
  encode: (p) => p,
  decode(v) {
    if (typeof v !== 'object' || v === null) return undefined;
    const o = v as Record<string, unknown>;
    if (!EWMAS.every((k) => isEwma(o[k]))) return undefined;
    return { searchRate: o.searchRate as Ewma, pageRate: o.pageRate as Ewma, count: o.count as Ewma };
  },
  bytes: () => 64 + 3 * EWMA_BYTES,
};
