import {
  createCohortKeyMemo,
  confidence,
  createProfileMap,
  estimate,
  observe,
  observePeak,
  peakAt,
  roll,
  round2,
  upperBound,
  type BaselineSource,
  type Ewma,
  type Peak,
  type Persistent,
  type ProfileMap,
  type Tracked,
} from '../../libs/baseline/index.js';
import type { Finding, NormalizedEvent, Severity } from '../../libs/contracts/index.js';
import type { Detector } from '../framework.js';
import { findingAbout } from '../framework.js';
import { isDeepPage, isSearch } from './classify.js';
import { DEFAULTS, type ScrapingConfig } from './config.js';
import { cohortCodec, principalCodec, type CohortScrape, type PrincipalScrape } from './profile.js';

export { DEFAULTS, type ScrapingConfig } from './config.js';

export const NAME = 'scraping';
export const OWASP = 'API6:2023';

export interface ScrapingState {
  principals: ProfileMap<PrincipalScrape>;
  cohorts: ProfileMap<CohortScrape>;
}

type Pattern = 'pagination_walk' | 'search_volume' | 'count_inflation';

interface Judged {
  source: BaselineSource;
  base: Ewma;
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
export function createScrapingDetector(cfg: ScrapingConfig = DEFAULTS): Detector<ScrapingState> & Persistent<ScrapingState> {
  // Memoized per principal id: building the key (sort, join) cost more than the rest of the detector.
  const cohortKey = createCohortKeyMemo();
  const windowMs = cfg.windowSeconds * 1000;
  const ewma = { alpha: cfg.alpha, halfLifeMs: cfg.halfLifeSeconds * 1000 };
  const peakHalfLifeMs = cfg.peakHalfLifeSeconds * 1000;
  const learning = { minEvents: cfg.learningEvents, minSpanMs: cfg.learningSeconds * 1000 };

  function judge(
    state: ScrapingState,
    p: Tracked<PrincipalScrape>,
    c: Tracked<CohortScrape>,
    own: Ewma,
    cohort: Ewma,
    peak: Peak,
    ts: number,
    shape: { floor: number; multiplier: number },
  ): Judged | undefined {
    const bound = { floor: shape.floor, multiplier: shape.multiplier, z: cfg.z };
    if (!state.principals.learning(p) && own.n >= cfg.learningWindows) {
      const pk = cfg.peakFactor * peakAt(peak, ts, peakHalfLifeMs);
      return { source: 'principal', base: own, peak: pk, threshold: Math.max(upperBound(own, bound), pk) };
    }
    if (!state.cohorts.learning(c) && cohort.n >= cfg.learningWindows) {
      return { source: 'cohort', base: cohort, peak: 0, threshold: upperBound(cohort, bound) };
    }
    // Principal and cohort both still learning: nothing to compare with, so nothing is reported.
    return undefined;
  }

  function rollWindows(pr: PrincipalScrape, cr: CohortScrape, ts: number): void {
    const pagesAlerted = pr.pages.alerted;
    const pagesCur = pr.pages.cur;
    const searches = roll(pr.searches, ts, windowMs);
    roll(pr.pages, ts, windowMs);
    // Searches and pages share buckets: an active window that alerted on neither is learned, with
    // its deep-page count (often 0: most principals never page).
    if (searches < 0) return;
    observe(pr.searchRate, searches, ts, ewma);
    observePeak(pr.searchPeak, searches, ts, peakHalfLifeMs);
    observe(cr.searchRate, searches, ts, ewma);
    if (pagesAlerted) return;
    observe(pr.pageRate, pagesCur, ts, ewma);
    observePeak(pr.pagePeak, pagesCur, ts, peakHalfLifeMs);
    observe(cr.pageRate, pagesCur, ts, ewma);
  }

  return {
    name: NAME,
    owasp: OWASP,
    createState: () => ({
      principals: createProfileMap({ capacity: cfg.principalCap, learning, codec: principalCodec }),
      cohorts: createProfileMap({ capacity: cfg.cohortCap, learning, codec: cohortCodec }),
    }),
    detect(event, state) {
      if (!isSearch(event)) return [];
      const ts = event.ts;
      const p = state.principals.touch(event.principal.id, ts);
      const c = state.cohorts.touch(cohortKey(event.principal), ts);
      const pr = p.profile;
      const cr = c.profile;
      rollWindows(pr, cr, ts);
      const out: Finding[] = [];

      pr.searches.cur++;
      if (!pr.searches.alerted) {
        const observed = estimate(pr.searches, ts, windowMs);
        const j = judge(state, p, c, pr.searchRate, cr.searchRate, pr.searchPeak, ts, {
          floor: cfg.minSearches,
          multiplier: cfg.multiplier,
        });
        if (j !== undefined && observed > j.threshold) {
          pr.searches.alerted = true;
          out.push(finding(event, cfg, 'search_volume', observed, j, `made ${Math.round(observed)} search/list reads within ${cfg.windowSeconds}s`));
        }
      }

      if (isDeepPage(event)) {
        pr.pages.cur++;
        if (!pr.pages.alerted) {
          const observed = estimate(pr.pages, ts, windowMs);
          const j = judge(state, p, c, pr.pageRate, cr.pageRate, pr.pagePeak, ts, {
            floor: cfg.minPages,
            multiplier: cfg.multiplier,
          });
          if (j !== undefined && observed > j.threshold) {
            pr.pages.alerted = true;
            out.push(finding(event, cfg, 'pagination_walk', observed, j, `requested ${Math.round(observed)} pages past the first within ${cfg.windowSeconds}s`));
          }
        }
      }

      const count = event.paging?.count;
      if (count !== undefined) {
        const j = judge(state, p, c, pr.count, cr.count, pr.countPeak, ts, {
          floor: cfg.minCount,
          multiplier: cfg.countMultiplier,
        });
        if (j !== undefined && count > j.threshold) {
          // NOTE: an inflated size is never learned, so repeating it cannot make it normal.
          if (pr.countAlertBucket !== pr.searches.start) {
            pr.countAlertBucket = pr.searches.start;
            out.push(finding(event, cfg, 'count_inflation', count, j, `asked for pages of ${count} results`));
          }
        } else {
          observe(pr.count, count, ts, ewma);
          observePeak(pr.countPeak, count, ts, peakHalfLifeMs);
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
  };
}

function finding(event: NormalizedEvent, cfg: ScrapingConfig, pattern: Pattern, observed: number, j: Judged, what: string): Finding {
  const who = event.principal.id;
  const unit = pattern === 'count_inflation' ? 'page size' : 'per window';
  const baseline = `its ${j.source === 'principal' ? 'own' : 'cohort’s'} baseline is ${round2(j.base.mean)} ${unit} (threshold ${round2(j.threshold)})`;
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
      baselineMean: round2(j.base.mean),
      baselineSd: round2(Math.sqrt(j.base.variance)),
      baselineObservations: j.base.n,
      peak: round2(j.peak),
      threshold: round2(j.threshold),
      // Paging numbers only (never a cursor's value): how deep the walk had gone.
      ...(paging === undefined ? {} : { paging }),
    },
  };
}
