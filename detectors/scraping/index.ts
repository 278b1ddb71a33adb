import {
  confidence,
  createPackedProfileMap,
  createProfileMap,
  observe,
  round2,
  upperBound,
  type BaselineSource,
  type CappedSets,
  type Ewma,
  type PackedProfileMap,
  type Persistent,
  type ProfileMap,
  type Tracked,
} from '../../libs/baseline/index.js';
import { COUNTER_ALERTED, COUNTER_CUR, estimateAt, rollAt, tooLateAt } from '../../libs/baseline/counter.js';
import { observeAt, unpackEwma, upperBoundAt } from '../../libs/baseline/ewma.js';
import { observePeakAt, peakValueAt } from '../../libs/baseline/peak.js';
import type { Finding, NormalizedEvent, Severity } from '../../libs/contracts/index.js';
import type { Detector } from '../framework.js';
import { createTraitsMemo, type TraitsDeps } from '../principal-traits.js';
import { findingAbout } from '../framework.js';
import { isDeepPage, isSearch } from './classify.js';
import { DEFAULTS, type ScrapingConfig } from './config.js';
import * as slot from './profile.js';
import {
  cohortCodec,
  principalCodec,
  type CohortScrape,
  type PrincipalScrape,
} from './profile.js';

export { DEFAULTS, type ScrapingConfig } from './config.js';

// NOTE: module-local copies of the slot offsets (plain constants in hot code; an imported binding
// is a lookup per use under some module loaders, e.g. vitest's).
const SEARCHES = slot.SEARCHES;
const SEARCHES_CUR = slot.SEARCHES + COUNTER_CUR;
const SEARCHES_ALERTED = slot.SEARCHES + COUNTER_ALERTED;
const PAGES = slot.PAGES;
const PAGES_CUR = slot.PAGES + COUNTER_CUR;
const PAGES_ALERTED = slot.PAGES + COUNTER_ALERTED;
const SEARCH_RATE = slot.SEARCH_RATE;
const PAGE_RATE = slot.PAGE_RATE;
const COUNT = slot.COUNT;
const SEARCH_PEAK = slot.SEARCH_PEAK;
const PAGE_PEAK = slot.PAGE_PEAK;
const COUNT_PEAK = slot.COUNT_PEAK;
const COUNT_ALERT_BUCKET = slot.COUNT_ALERT_BUCKET;
/** An EWMA's observation count, relative to its offset. */
const EWMA_N = 4;

export const NAME = 'scraping';
export const OWASP = 'API6:2023';

export interface ScrapingState {
  principals: PackedProfileMap<PrincipalScrape>;
  cohorts: ProfileMap<CohortScrape>;
}

type Pattern = 'pagination_walk' | 'search_volume' | 'count_inflation';

interface Judged {
  source: BaselineSource;
  /** The cohort's baseline; for the principal's own, `own` is its offset in the packed profile. */
  cohort: Ewma | undefined;
  own: number;
  peak: number;
  threshold: number;
}

/**
 * Scraping (OWASP API6:2023, unrestricted access to sensitive business flows): harvesting a list
 * or search API. Per principal, over a sliding window, against its own baseline (its cohort's while
 * it learns; nothing while both learn):
 * - `pagination_walk`: requests for pages past the first (offset, page, cursor, FHIR `_getpages`);
 * - `search_volume`: search/list reads;
 * - `count_inflation`: a page size (`_count`, `limit`) far above the sizes it asks for.
 * At most one finding per pattern and window; windows and page sizes that alerted are not learned.
 */
export function createScrapingDetector(
  cfg: ScrapingConfig = DEFAULTS,
  deps: TraitsDeps = {},
): Detector<ScrapingState> & Persistent<ScrapingState> & CappedSets<ScrapingState> {
  // The cohort key, from the memo services/registry.ts shares between detectors (one lookup per event).
  const traitsOf = deps.traits ?? createTraitsMemo();
  const windowMs = cfg.windowSeconds * 1000;
  const ewma = { alpha: cfg.alpha, halfLifeMs: cfg.halfLifeSeconds * 1000 };
  const peakHalfLifeMs = cfg.peakHalfLifeSeconds * 1000;
  const learning = { minEvents: cfg.learningEvents, minSpanMs: cfg.learningSeconds * 1000 };

  /** `own` and `peak` are offsets of the principal's EWMA and peak in its packed profile. */
  function judge(
    state: ScrapingState,
    pr: PrincipalScrape,
    c: Tracked<CohortScrape>,
    own: number,
    cohort: Ewma,
    peak: number,
    ts: number,
    shape: { floor: number; multiplier: number },
  ): Judged | undefined {
    const bound = { floor: shape.floor, multiplier: shape.multiplier, z: cfg.z };
    if (!state.principals.learning(pr) && (pr[own + EWMA_N] as number) >= cfg.learningWindows) {
      const pk = cfg.peakFactor * peakValueAt(pr, peak, ts, peakHalfLifeMs);
      return { source: 'principal', cohort: undefined, own, peak: pk, threshold: Math.max(upperBoundAt(pr, own, bound), pk) };
    }
    if (!state.cohorts.learning(c) && cohort.n >= cfg.learningWindows) {
      // Its own history is too short to judge by, but what it already did without alerting still
      // counts: a nightly crawl of two windows a night is back the next night, before its own
      // baseline has the windows it needs.
      const pk = (pr[own + EWMA_N] as number) > 0 ? cfg.peakFactor * peakValueAt(pr, peak, ts, peakHalfLifeMs) : 0;
      return { source: 'cohort', cohort, own, peak: pk, threshold: Math.max(upperBound(cohort, bound), pk) };
    }
    // Principal and cohort both still learning: nothing to compare with, so nothing is reported.
    return undefined;
  }

  function rollWindows(pr: PrincipalScrape, cr: CohortScrape, ts: number): void {
    const pagesAlerted = pr[PAGES_ALERTED] === 1;
    const pagesCur = pr[PAGES_CUR] as number;
    const searches = rollAt(pr, SEARCHES, ts, windowMs);
    rollAt(pr, PAGES, ts, windowMs);
    // Searches and pages share buckets: an active window that alerted on neither is learned, with
    // its deep-page count (often 0: most principals never page).
    if (searches < 0) return;
    observeAt(pr, SEARCH_RATE, searches, ts, ewma);
    observePeakAt(pr, SEARCH_PEAK, searches, ts, peakHalfLifeMs);
    observe(cr.searchRate, searches, ts, ewma);
    if (pagesAlerted) return;
    observeAt(pr, PAGE_RATE, pagesCur, ts, ewma);
    observePeakAt(pr, PAGE_PEAK, pagesCur, ts, peakHalfLifeMs);
    observe(cr.pageRate, pagesCur, ts, ewma);
  }

  return {
    name: NAME,
    owasp: OWASP,
    createState: () => ({
      principals: createPackedProfileMap({ capacity: cfg.principalCap, learning, codec: principalCodec }),
      cohorts: createProfileMap({ capacity: cfg.cohortCap, learning, codec: cohortCodec }),
    }),
    detect(event, state) {
      if (!isSearch(event)) return [];
      const ts = event.ts;
      const pr = state.principals.touch(event.principal.id, ts);
      const c = state.cohorts.touch(traitsOf(event.principal).cohort, ts);
      const cr = c.profile;
      // A search from before the previous window (a re-sent log line) belongs to no window still counted.
      if (tooLateAt(pr, SEARCHES, ts, windowMs)) return [];
      rollWindows(pr, cr, ts);
      const out: Finding[] = [];

      pr[SEARCHES_CUR] = (pr[SEARCHES_CUR] as number) + 1;
      if (pr[SEARCHES_ALERTED] === 0) {
        const observed = estimateAt(pr, SEARCHES, ts, windowMs);
        const j = judge(state, pr, c, SEARCH_RATE, cr.searchRate, SEARCH_PEAK, ts, {
          floor: cfg.minSearches,
          multiplier: cfg.multiplier,
        });
        if (j !== undefined && observed > j.threshold) {
          pr[SEARCHES_ALERTED] = 1;
          out.push(finding(event, cfg, 'search_volume', observed, j, pr, `made ${Math.round(observed)} search/list reads within ${cfg.windowSeconds}s`));
        }
      }

      if (isDeepPage(event)) {
        pr[PAGES_CUR] = (pr[PAGES_CUR] as number) + 1;
        if (pr[PAGES_ALERTED] === 0) {
          const observed = estimateAt(pr, PAGES, ts, windowMs);
          const j = judge(state, pr, c, PAGE_RATE, cr.pageRate, PAGE_PEAK, ts, {
            floor: cfg.minPages,
            multiplier: cfg.multiplier,
          });
          if (j !== undefined && observed > j.threshold) {
            pr[PAGES_ALERTED] = 1;
            out.push(finding(event, cfg, 'pagination_walk', observed, j, pr, `requested ${Math.round(observed)} pages past the first within ${cfg.windowSeconds}s`));
          }
        }
      }

      const count = event.paging?.count;
      if (count !== undefined) {
        const j = judge(state, pr, c, COUNT, cr.count, COUNT_PEAK, ts, {
          floor: cfg.minCount,
          multiplier: cfg.countMultiplier,
        });
        if (j !== undefined && count > j.threshold) {
          // NOTE: an inflated size is never learned, so repeating it cannot make it normal.
          if (pr[COUNT_ALERT_BUCKET] !== pr[SEARCHES]) {
            pr[COUNT_ALERT_BUCKET] = pr[SEARCHES] as number;
            out.push(finding(event, cfg, 'count_inflation', count, j, pr, `asked for pages of ${count} results`));
          }
        } else {
          observeAt(pr, COUNT, count, ts, ewma);
          observePeakAt(pr, COUNT_PEAK, count, ts, peakHalfLifeMs);
          observe(cr.count, count, ts, ewma);
        }
      }
      return out;
    },
    // With `select` (incremental snapshots, partition handoff) only those principals' rows are encoded.
    snapshot: (state, version, select) => [
      ...state.principals.snapshot(NAME, 'principal', version, select?.principals),
      ...state.cohorts.snapshot(NAME, 'cohort', version),
    ],
    restore: (state, rows) => state.principals.restore(NAME, 'principal', rows) + state.cohorts.restore(NAME, 'cohort', rows),
    // Their partition moved to another instance, which loads these rows from the store.
    forget: (state, principals) => {
      state.principals.delete(principals);
    },
    // Nothing to empty: every principal and cohort holds a fixed set of numbers, all of it counted
    // against the budget (see the README's memory section).
    clearCapped: () => {},
  };
}

function finding(event: NormalizedEvent, cfg: ScrapingConfig, pattern: Pattern, observed: number, j: Judged, pr: PrincipalScrape, what: string): Finding {
  const who = event.principal.id;
  const base = j.cohort ?? unpackEwma(pr, j.own);
  const unit = pattern === 'count_inflation' ? 'page size' : 'per window';
  const baseline = `its ${j.source === 'principal' ? 'own' : 'cohort’s'} baseline is ${round2(base.mean)} ${unit} (threshold ${round2(j.threshold)})`;
  const severity: Severity = observed > 4 * j.threshold ? 'high' : 'medium';
  const paging = event.paging;
  return {
    detector: NAME,
    owasp: OWASP,
    severity,
    ...findingAbout(event, who),
    summary: `${who} ${what} on ${event.route}; ${baseline}`,
    evidence: {
      pattern,
      confidence: confidence(j.source, observed, j.threshold),
      observed: round2(observed),
      ...(pattern === 'count_inflation' ? {} : { windowSeconds: cfg.windowSeconds }),
      baseline: j.source,
      baselineMean: round2(base.mean),
      baselineSd: round2(Math.sqrt(base.variance)),
      baselineObservations: base.n,
      peak: round2(j.peak),
      threshold: round2(j.threshold),
      // Paging numbers only (never a cursor's value): how deep the walk had gone.
      ...(paging === undefined ? {} : { paging }),
    },
  };
}
