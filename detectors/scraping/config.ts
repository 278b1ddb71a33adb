/**
 * Scraping defaults. Thresholds come from the principal's own search/list habits (pages walked and
 * searches per window, page sizes asked for), else its cohort's; these numbers only shape the
 * comparison and the learning period. Nothing is reported while principal and cohort both learn.
 */
export interface ScrapingConfig {
  /** Sliding window pages and searches are counted over. */
  windowSeconds: number;
  /** Pagination walk: deep-page requests (offset > 0, page > 1, cursor) above max(minPages, multiplier x mean, mean + z x sd). */
  minPages: number;
  /** Search volume: search/list reads above max(minSearches, multiplier x mean, mean + z x sd). */
  minSearches: number;
  multiplier: number;
  z: number;
  /** Page size: `_count` above max(minCount, countMultiplier x the usual page size, peak). */
  minCount: number;
  countMultiplier: number;
  /** A principal's habits are trusted after this many events spanning this much event time... */
  learningEvents: number;
  learningSeconds: number;
  /** ...and this many active windows (or page-size observations). */
  learningWindows: number;
  /** The principal's largest past window, decaying with this half-life, times peakFactor is normal too. */
  peakFactor: number;
  peakHalfLifeSeconds: number;
  alpha: number;
  halfLifeSeconds: number;
  principalCap: number;
  cohortCap: number;
}

export const DEFAULTS: ScrapingConfig = {
  windowSeconds: 300,
  minPages: 30,
  minSearches: 100,
  multiplier: 5,
  z: 6,
  minCount: 200,
  countMultiplier: 5,
  learningEvents: 100,
  learningSeconds: 3600,
  learningWindows: 5,
  peakFactor: 1.5,
  peakHalfLifeSeconds: 7 * 86_400,
  alpha: 0.05,
  halfLifeSeconds: 7 * 86_400,
  principalCap: 200_000,
  cohortCap: 10_000,
};
