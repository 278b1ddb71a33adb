/**
 * The global view of one login route (README, "Failure surges"): a botnet or a residential proxy
 * pool spreads its guesses over so many addresses that no address or /24 ever bursts, but the
 * route as a whole fails far more often than its own successful logins explain.
 *
 * Per route, tumbling windows count failures and successes. The route's baseline is its failure
 * odds (failures per success), decayed sums over the windows it learned from. A window's expected
 * failures are its successes times those odds, so a shift change that doubles the logins doubles
 * what is expected. A Poisson CUSUM then sums, window after window, the failures beyond a reference
 * value between the expected rate and the smallest surge worth finding (allowance()): a slow surge
 * of a few extra failures every window accumulates, ordinary windows drain it. Pure and on event time.
 */

/** Accounts and addresses kept per run (evidence and the distinct-address condition): a cap, not a count. */
export const SURGE_SET_CAP = 64;

export interface SurgeRun {
  /** Event time of the first failure counted into the run. */
  first: number;
  failures: number;
  successes: number;
  /** Failures the baseline expected over the run's closed windows (their successes x the odds). */
  expected: number;
  /** Failures per address (the first SURGE_SET_CAP addresses): no single one may account for half of a surge. */
  ips: Map<string, number>;
  accounts: Set<string>;
  /** Credential fingerprints that failed in the run: the same credential failing again is a retry, not a guess. */
  credentials: Set<string>;
  alerted: boolean;
}

export interface SurgeState {
  /** Index of the open window (event time / window length). */
  window: number;
  failures: number;
  successes: number;
  /** Decayed sums of failures and successes over the learned windows. */
  baseFailures: number;
  baseSuccesses: number;
  /** CUSUM of failures beyond the allowance, over closed windows. */
  excess: number;
  /** Failures and successes of the run's closed windows, learned only if it ends without alerting. */
  pendingFailures: number;
  pendingSuccesses: number;
  run: SurgeRun;
  /**
   * Until when the route's latest surge report stands, and the addresses of the runs reported
   * (capped): a login that succeeds from one of them meanwhile may be an account the pool took
   * (index.ts). -1: never reported.
   */
  flaggedUntil: number;
  flaggedIps: Set<string>;
}

export interface SurgeParams {
  windowMs: number;
  /** Decay of the baseline per window (0.5 ^ (window / half-life)). */
  decay: number;
}

const newRun = (): SurgeRun => ({ first: 0, failures: 0, successes: 0, expected: 0, ips: new Map(), accounts: new Set(), credentials: new Set(), alerted: false });

export function newSurge(ts: number, windowMs: number): SurgeState {
  return {
    window: Math.floor(ts / windowMs),
    failures: 0,
    successes: 0,
    baseFailures: 0,
    baseSuccesses: 0,
    excess: 0,
    pendingFailures: 0,
    pendingSuccesses: 0,
    run: newRun(),
    flaggedUntil: -1,
    flaggedIps: new Set(),
  };
}

/** Addresses of reported surges remembered per route. */
export const FLAGGED_IPS_CAP = 256;

/** The run just reported: its addresses stand as the pool's until `until` (each report extends it). */
export function flagSurge(s: SurgeState, until: number): void {
  if (s.flaggedUntil < 0 || until > s.flaggedUntil) s.flaggedUntil = until;
  for (const ip of s.run.ips.keys()) if (s.flaggedIps.size < FLAGGED_IPS_CAP) s.flaggedIps.add(ip);
}

/**
 * True when `ip` failed in a reported surge run of the route whose report still stands at `ts`.
 * NOTE: only the reported runs' addresses: an address that starts failing after a report is not
 * taken for the pool's (anyone failing on the route joins the run going on), until a later report.
 */
export function surgeParticipant(s: SurgeState, ip: string, ts: number): boolean {
  if (s.flaggedUntil < ts) {
    if (s.flaggedIps.size > 0) s.flaggedIps = new Set();
    return false;
  }
  return s.flaggedIps.has(ip);
}

/** Failures the route's baseline expects alongside `successes` (Laplace-smoothed odds). */
export function expectedFailures(s: SurgeState, successes: number): number {
  return (successes * (s.baseFailures + 1)) / (s.baseSuccesses + 1);
}

/** Expected failures below this are treated as this: a quiet night still has the odd typo. */
const MIN_RATE = 0.1;

/**
 * The CUSUM's reference value for a window expecting `expected` failures: the classic Poisson
 * choice (mu1 - mu0) / ln(mu1 / mu0) between the in-control rate mu0 and the smallest surge worth
 * finding, mu1 = max(2 mu0, mu0 + 2) (twice the usual failures, or two more per window on a quiet
 * route). Windows at mu0 drain the sum, windows at mu1 add to it. 0.66 when nothing is expected,
 * 1.8 at one expected failure, 1.44 x expected from two on.
 */
export function allowance(expected: number): number {
  const mu0 = Math.max(expected, MIN_RATE);
  const mu1 = Math.max(2 * mu0, mu0 + 2);
  return (mu1 - mu0) / Math.log(mu1 / mu0);
}

/**
 * Moves the route to the window of `ts`, closing the open one (and any empty ones between).
 * False for an event older than the open window: it is left out of this view (under a Kafka
 * backlog a lagging partition's old failures would otherwise be counted with today's).
 */
export function advanceSurge(s: SurgeState, ts: number, p: SurgeParams): boolean {
  const idx = Math.floor(ts / p.windowMs);
  if (idx < s.window) return false;
  if (idx === s.window) return true;
  const expected = expectedFailures(s, s.successes);
  s.excess = Math.max(0, s.excess + s.failures - allowance(expected));
  if (s.run.failures > 0 || s.excess > 0) s.run.expected += expected;
  // A run's windows are held back from the baseline until it ends: learned when it drains back to
  // zero (noise), dropped when it alerted (the baseline must not absorb an attack).
  s.pendingFailures += s.failures;
  s.pendingSuccesses += s.successes;
  const passed = idx - s.window;
  // Empty windows between drain the sum by what a window expecting nothing allows.
  if (passed > 1) s.excess = Math.max(0, s.excess - (passed - 1) * allowance(0));
  // A run ends when the sum is back to zero, or with the window it alerted in: the CUSUM restarts
  // after a signal, so a surge that goes on is reported again once it adds as much again.
  if (s.excess === 0 || s.run.alerted) {
    if (!s.run.alerted) {
      s.baseFailures += s.pendingFailures;
      s.baseSuccesses += s.pendingSuccesses;
    }
    s.pendingFailures = 0;
    s.pendingSuccesses = 0;
    s.excess = 0;
    s.run = newRun();
  }
  const factor = p.decay ** passed;
  s.baseFailures *= factor;
  s.baseSuccesses *= factor;
  s.window = idx;
  s.failures = 0;
  s.successes = 0;
  return true;
}

/**
 * Counts a failure into the open window and the run. False (nothing counted) when its credential
 * already failed in the run: a device retrying its stale token or password is not guessing (the
 * first SURGE_SET_CAP credentials are remembered; past them retries count).
 */
export function recordSurgeFailure(s: SurgeState, ts: number, ip: string, account: string | undefined, credential: string | undefined): boolean {
  const r = s.run;
  if (credential !== undefined) {
    if (r.credentials.has(credential)) return false;
    if (r.credentials.size < SURGE_SET_CAP) r.credentials.add(credential);
  }
  s.failures++;
  if (r.failures === 0) r.first = ts;
  r.failures++;
  const n = r.ips.get(ip);
  if (n !== undefined) r.ips.set(ip, n + 1);
  else if (r.ips.size < SURGE_SET_CAP) r.ips.set(ip, 1);
  if (account !== undefined && r.accounts.size < SURGE_SET_CAP) r.accounts.add(account);
  return true;
}

export function recordSurgeSuccess(s: SurgeState): void {
  s.successes++;
  if (s.run.failures > 0) s.run.successes++;
}

/** The CUSUM as it stands with the open window counted so far. */
export function liveExcess(s: SurgeState): number {
  return s.excess + s.failures - allowance(expectedFailures(s, s.successes));
}

/** Failures of the run's busiest address: a surge is not one address's doing. */
export function topAddressFailures(r: SurgeRun): number {
  let top = 0;
  for (const n of r.ips.values()) if (n > top) top = n;
  return top;
}

/** Attempts the baseline has learned from (decayed). */
export const learnedAttempts = (s: SurgeState): number => s.baseFailures + s.baseSuccesses;

export function encodeSurge(s: SurgeState): unknown {
  return { ...s, flaggedIps: [...s.flaggedIps], run: { ...s.run, ips: [...s.run.ips], accounts: [...s.run.accounts], credentials: [...s.run.credentials] } };
}

function ipCounts(v: unknown): Map<string, number> | undefined {
  if (!Array.isArray(v) || v.length > SURGE_SET_CAP) return undefined;
  const out = new Map<string, number>();
  for (const e of v) {
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || !Number.isSafeInteger(e[1]) || (e[1] as number) < 1) return undefined;
    out.set(e[0], e[1] as number);
  }
  return out;
}

export function decodeSurge(v: unknown): SurgeState | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const r = o.run as Record<string, unknown> | null | undefined;
  if (typeof r !== 'object' || r === null) return undefined;
  const ints = [o.window, o.failures, o.successes, o.pendingFailures, o.pendingSuccesses, r.first, r.failures, r.successes];
  const reals = [o.baseFailures, o.baseSuccesses, o.excess, r.expected];
  if (!ints.every(Number.isSafeInteger) || !reals.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0)) return undefined;
  const ips = ipCounts(r.ips);
  if (ips === undefined || !isStrings(r.accounts) || !isStrings(r.credentials) || typeof r.alerted !== 'boolean') return undefined;
  // Rows saved before reports were remembered have neither: no surge stands.
  const flaggedUntil = o.flaggedUntil ?? -1;
  const flaggedIps = o.flaggedIps ?? [];
  if (!Number.isSafeInteger(flaggedUntil) || !isStrings(flaggedIps, FLAGGED_IPS_CAP)) return undefined;
  return {
    window: o.window as number,
    failures: o.failures as number,
    successes: o.successes as number,
    baseFailures: o.baseFailures as number,
    baseSuccesses: o.baseSuccesses as number,
    excess: o.excess as number,
    pendingFailures: o.pendingFailures as number,
    pendingSuccesses: o.pendingSuccesses as number,
    run: {
      first: r.first as number,
      failures: r.failures as number,
      successes: r.successes as number,
      expected: r.expected as number,
      ips,
      accounts: new Set(r.accounts),
      credentials: new Set(r.credentials),
      alerted: r.alerted,
    },
    flaggedUntil: flaggedUntil as number,
    flaggedIps: new Set(flaggedIps),
  };
}

function isStrings(v: unknown, cap = SURGE_SET_CAP): v is string[] {
  return Array.isArray(v) && v.length <= cap && v.every((x) => typeof x === 'string');
}
