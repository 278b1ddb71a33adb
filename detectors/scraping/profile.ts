import {
  COUNTER_BYTES,
  EWMA_BYTES,
  PEAK_BYTES,
  isCounter,
  isEwma,
  isPeak,
  newCounter,
  newEwma,
  newPeak,
  type Ewma,
  type Peak,
  type ProfileCodec,
  type WindowCounter,
} from '../../libs/baseline/index.js';

/** Per principal: live windows of searches and deep pages, their baselines, and its page sizes. */
export interface PrincipalScrape {
  searches: WindowCounter;
  pages: WindowCounter;
  searchRate: Ewma;
  pageRate: Ewma;
  searchPeak: Peak;
  pagePeak: Peak;
  /** Page sizes asked for (`_count`, `limit`...), one observation per request that sets one. */
  count: Ewma;
  countPeak: Peak;
  /** Window bucket (ms) in which a count_inflation finding was last raised; -1 never. */
  countAlertBucket: number;
}

/** Per cohort: members' searches and deep pages per active window, and their page sizes. */
export interface CohortScrape {
  searchRate: Ewma;
  pageRate: Ewma;
  count: Ewma;
}

const COUNTERS = ['searches', 'pages'] as const;
const EWMAS = ['searchRate', 'pageRate', 'count'] as const;
const PEAKS = ['searchPeak', 'pagePeak', 'countPeak'] as const;

export const principalCodec: ProfileCodec<PrincipalScrape> = {
  create: () => ({
    searches: newCounter(),
    pages: newCounter(),
    searchRate: newEwma(),
    pageRate: newEwma(),
    searchPeak: newPeak(),
    pagePeak: newPeak(),
    count: newEwma(),
    countPeak: newPeak(),
    countAlertBucket: -1,
  }),
  encode: (p) => p,
  decode(v) {
    if (typeof v !== 'object' || v === null) return undefined;
    const o = v as Record<string, unknown>;
    if (!COUNTERS.every((k) => isCounter(o[k])) || !EWMAS.every((k) => isEwma(o[k])) || !PEAKS.every((k) => isPeak(o[k]))) return undefined;
    if (typeof o.countAlertBucket !== 'number') return undefined;
    return o as unknown as PrincipalScrape;
  },
  bytes: () => 96 + 2 * COUNTER_BYTES + 3 * EWMA_BYTES + 3 * PEAK_BYTES,
};

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
