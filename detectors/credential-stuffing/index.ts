import type { Finding, NormalizedEvent } from '../../libs/contracts/index.js';
import type { CappedSets, Persistent } from '../../libs/baseline/index.js';
import type { Detector } from '../framework.js';
import { networksOf } from '../token-misuse/network.js';
import { DEFAULTS, type CredentialStuffingConfig } from './config.js';
import { describeDuration } from '../duration.js';
import { makeFinding, round2 } from './finding.js';
import { BIND_CAP, FOLLOW_ROUTE_CAP, type Followed, type Session } from './persist.js';
import { endRun, extendRun, guessed, learnRun, runLimit, type EndedRun } from './run.js';
import { advance, counts, limitOf, newSource, recordFailure, recordSuccess, type Counts, type Limit, type SourceState } from './source.js';
import { advanceSurge, expectedFailures, flagSurge, learnedAttempts, liveExcess, newSurge, recordSurgeFailure, recordSurgeSuccess, SURGE_SET_CAP, surgeParticipant, topAddressFailures, type SurgeState } from './surge.js';
import { clearCappedState, forgetSources, newCredentialStuffingState, restoreState, snapshotState, type CredentialStuffingState } from './state.js';

export { DEFAULTS, CredentialStuffingConfigSchema, type CredentialStuffingConfig } from './config.js';
export { FIXED_ROWS, type CredentialStuffingState } from './state.js';

export const NAME = 'credential-stuffing';
export const OWASP = 'API2:2023';

export type Pattern =
  | 'credential_stuffing'
  | 'password_guessing'
  | 'auth_failure_burst'
  | 'subnet_failure_burst'
  | 'login_failure_surge'
  | 'account_takeover'
  | 'post_takeover_activity';

/**
 * Credential stuffing and account takeover (OWASP API2:2023): bursts of authentication failures
 * from one IP or subnet (401 anywhere, 400 on login/token routes), spread over many accounts when
 * they are visible; a login route failing far beyond what its successes explain, spread over
 * addresses none of which bursts (surge.ts); a success from such a source shortly after; then what
 * that session does.
 */
export function createCredentialStuffingDetector(
  cfg: CredentialStuffingConfig = DEFAULTS,
): Detector<CredentialStuffingState> & Persistent<CredentialStuffingState> & CappedSets<CredentialStuffingState> {
  const windowMs = cfg.windowSeconds * 1000;
  const runGapMs = cfg.runGapSeconds * 1000;
  const lookbackMs = cfg.takeoverLookbackSeconds * 1000;
  const followMs = cfg.followSeconds * 1000;
  const surgeParams = { windowMs, decay: 0.5 ** (windowMs / (cfg.surgeHalfLifeHours * 3_600_000)) };
  return {
    name: NAME,
    owasp: OWASP,
    createState: newCredentialStuffingState,
    // IPs as principal rows (`ip:<address>`), subnets and the rest as cohort rows (state.ts).
    snapshot: (state, version, select) => snapshotState(NAME, state, version, select),
    restore: (state, rows) => restoreState(NAME, state, rows),
    forget: forgetSources,
    clearCapped: clearCappedState,
    detect(event, state) {
      const out: Finding[] = [];
      if (event.ts <= state.lastTakeover + followMs) follow(event, state, out);
      const authRoute = state.authRoutes.observe(event);
      const failure = event.status === 401 || (authRoute && event.status === 400);
      const success = event.status >= 200 && event.status < 300;
      if (!failure && !success) return out;

      const ip = event.clientIp;
      let nets = state.networks.get(ip);
      if (nets === undefined) state.networks.set(ip, (nets = networksOf(ip)));
      const net = nets.net;
      const ipState = failure ? state.ips.getOrCreate(ip, newSource) : state.ips.get(ip);
      const netState = failure ? state.subnets.getOrCreate(net, newSource) : state.subnets.get(net);
      if (ipState) advance(ipState, event.ts, windowMs, state.ipPopulation);
      if (netState) advance(netState, event.ts, windowMs, state.subnetPopulation);

      if (failure && ipState && netState) {
        const p = event.principal;
        const input = { ts: event.ts, ip, route: event.route, account: p.kind === 'ip' ? undefined : p.id, credential: p.credentialFingerprint };
        recordFailure(ipState, input, windowMs);
        extendRun(ipState.run, event.ts, runGapMs, input.credential);
        recordFailure(netState, input, windowMs);
        const byIp = burst(event, ipState, `ip:${ip}`, limitOf(ipState, state.ipPopulation, cfg.minFailures, cfg), false);
        const found = byIp ?? burst(event, netState, `net:${net}`, limitOf(netState, state.subnetPopulation, cfg.minSubnetFailures, cfg), true);
        if (found) out.push(found);
        // A source already reported explains its own failures; the surge is what no source shows.
        const reported = ipState.flaggedUntil >= event.ts || netState.flaggedUntil >= event.ts;
        const surge = authRoute ? surgeOf(event, state, reported ? 'skip' : 'failure') : undefined;
        if (surge) out.push(surge);
        return out;
      }
      if (authRoute) surgeOf(event, state, 'success');

      if (ipState) recordSuccess(ipState);
      if (netState) recordSuccess(netState);
      // Any 2xx to the IP ends its failure run: a NAT whose other users succeed never builds one.
      const ended = ipState ? endRun(ipState.run, event.ts, runGapMs) : undefined;
      const flagged = ipState && ipState.flaggedUntil >= event.ts ? { src: ipState, key: `ip:${ip}` } : netState && netState.flaggedUntil >= event.ts ? { src: netState, key: `net:${net}` } : undefined;
      const limit = runLimit(state.runPopulation, cfg);
      const longRun = ended !== undefined && guessed(ended) && ended.failures >= limit.threshold ? ended : undefined;
      // A pool spread too thin for any address to burst or run long: once the route's surge is
      // reported, a success from one of its addresses right after more failures than a person who
      // mistyped makes (and than 99 % of the deployment's logins) is an account it took.
      const surgeFloor = Math.max(cfg.surgeTakeoverMinFailures, Math.floor(limit.populationQuantile) + 1);
      const surgeRoute = `${event.method} ${event.route}`;
      const bySurge =
        flagged === undefined && longRun === undefined && authRoute && ended !== undefined && guessed(ended) && ended.failures >= surgeFloor && inReportedSurge(state, surgeRoute, ip, event.ts);
      const src = flagged?.src ?? (longRun || bySurge ? ipState : undefined);
      const successOfAttack = src !== undefined && (authRoute || src.failedRoutes.has(event.route));
      const already = state.followed.get(event.principal.id);
      if (!successOfAttack || (already && already.until >= event.ts)) {
        // Every login that succeeds without raising anything teaches how many failures precede one.
        if (authRoute && !flagged && !longRun) learnRun(state.runPopulation, ended?.failures ?? 0);
        return out;
      }
      const run = flagged ? undefined : bySurge ? { run: ended, threshold: surgeFloor, basis: 'surge', surge: surgeRoute } : { run: longRun as EndedRun, threshold: limit.threshold, basis: limit.basis };
      out.push(takeover(event, src, flagged?.key ?? `ip:${ip}`, state, run));
      return out;
    },
  };

  function burst(event: NormalizedEvent, src: SourceState, key: string, limit: Limit, subnet: boolean): Finding | undefined {
    const c = counts(src, event.ts, windowMs);
    if (c.failures < limit.threshold || c.ratio < cfg.minFailureRatio) return undefined;
    // One credential failing over and over is a client with a stale token or password, not guessing.
    if (c.anonymous === 0 && c.credentials <= 1) return undefined;
    if (subnet && c.ips < 2) return undefined;
    src.failures.alerted = true;
    src.flaggedUntil = event.ts + lookbackMs;
    const pattern: Pattern = subnet
      ? 'subnet_failure_burst'
      : c.accounts >= cfg.minAccounts
        ? 'credential_stuffing'
        : c.accounts > 0
          ? 'password_guessing'
          : 'auth_failure_burst';
    const severity = pattern === 'credential_stuffing' || pattern === 'subnet_failure_burst' ? 'high' : 'medium';
    const where = subnet ? `${c.ips} addresses in ${key.slice(4)}` : key.slice(3);
    const spread = c.accounts > 0 ? ` against ${c.accounts} accounts` : '';
    return makeFinding(NAME, OWASP, event, {
      severity,
      principal: key,
      summary: `${where} failed authentication ${c.failures} times${spread} within ${cfg.windowSeconds}s (threshold ${limit.threshold}, ${Math.round(c.ratio * 100)}% failures)`,
      evidence: {
        pattern,
        confidence: burstConfidence(c, limit, cfg.minAccounts),
        failures: c.failures,
        successes: c.successes,
        failureRatio: round2(c.ratio),
        distinctAccounts: c.accounts,
        distinctCredentials: c.credentials,
        ...(subnet ? { subnet: key.slice(4), distinctIps: c.ips } : {}),
        windowSeconds: cfg.windowSeconds,
        threshold: limit.threshold,
        thresholdBasis: limit.basis,
        baselineFailures: round2(src.own.mean),
        learnedWindows: src.own.n,
        populationQuantile: limit.populationQuantile,
      },
    });
  }

  /** Counts an outcome on the route's surge view; a finding when its surge is judged one. */
  function surgeOf(event: NormalizedEvent, state: CredentialStuffingState, outcome: 'failure' | 'success' | 'skip'): Finding | undefined {
    const key = `${event.method} ${event.route}`;
    let s = state.surges.get(key);
    if (s === undefined) state.surges.set(key, (s = newSurge(event.ts, windowMs)));
    if (!advanceSurge(s, event.ts, surgeParams) || outcome === 'skip') return undefined;
    if (outcome === 'success') {
      recordSurgeSuccess(s);
      return undefined;
    }
    const p = event.principal;
    if (!recordSurgeFailure(s, event.ts, event.clientIp, p.kind === 'ip' ? undefined : p.id, p.credentialFingerprint)) return undefined;
    const r = s.run;
    if (r.alerted || r.ips.size < cfg.surgeMinIps || learnedAttempts(s) < cfg.surgeLearningAttempts) return undefined;
    // Not one address's doing: a single source is the per-address rules' business, and a slow
    // guesser earlier in the run must not carry the sum (nor hide a pool behind it).
    const excess = liveExcess(s);
    if (excess < cfg.surgeMinFailures || 2 * topAddressFailures(r) >= r.failures) return undefined;
    r.alerted = true;
    flagSurge(s, event.ts + lookbackMs);
    return surgeFinding(event, key, s, excess);
  }

  function inReportedSurge(state: CredentialStuffingState, route: string, ip: string, ts: number): boolean {
    const s = state.surges.get(route);
    return s !== undefined && surgeParticipant(s, ip, ts);
  }

  function surgeFinding(event: NormalizedEvent, key: string, s: SurgeState, excess: number): Finding {
    const r = s.run;
    const expected = r.expected + expectedFailures(s, s.successes);
    const share = (s.baseFailures + 1) / (s.baseFailures + s.baseSuccesses + 2);
    const seconds = Math.round((event.ts - r.first) / 1000);
    const ips = r.ips.size >= SURGE_SET_CAP ? `${SURGE_SET_CAP}+` : String(r.ips.size);
    const busiest = topAddressFailures(r);
    let confidence = 0.6;
    if (r.accounts.size >= 10) confidence += 0.1;
    if (excess >= 2 * cfg.surgeMinFailures) confidence += 0.1;
    return makeFinding(NAME, OWASP, event, {
      severity: r.accounts.size >= 10 ? 'high' : 'medium',
      principal: `route:${key}`,
      summary:
        `${key} failed ${r.failures} logins from ${ips} addresses over ${describeDuration(seconds)} against ${r.successes} successes, ` +
        `${Math.round(excess)} more than the route's usual failure share (${Math.round(share * 100)}%) allows; no single address accounts for half of it ` +
        `(its busiest failed ${busiest} times)`,
      evidence: {
        pattern: 'login_failure_surge',
        confidence: round2(confidence),
        failures: r.failures,
        successes: r.successes,
        expectedFailures: round2(expected),
        excessFailures: round2(excess),
        threshold: cfg.surgeMinFailures,
        baselineFailureShare: round2(share),
        distinctIps: r.ips.size,
        busiestIpFailures: busiest,
        sampleIps: [...r.ips.keys()].slice(0, 20),
        distinctAccounts: r.accounts.size,
        runSeconds: seconds,
        windowSeconds: cfg.windowSeconds,
      },
    });
  }

  /** `byRun` when the source never burst and the success ended a long failure run instead. */
  function takeover(event: NormalizedEvent, src: SourceState, key: string, state: CredentialStuffingState, byRun?: { run: EndedRun; threshold: number; basis: string; surge?: string }): Finding {
    const p = event.principal;
    const c = counts(src, event.ts, windowMs);
    const named = p.kind !== 'ip';
    const accountFailed = named && src.accounts.has(p.id);
    state.lastTakeover = event.ts;
    const session: Session = { until: event.ts + followMs, bound: new Set() };
    state.sessions.set(event.clientIp, session);
    if (named) bind(state, session, p.id, event).routes.add(event.route);
    return makeFinding(NAME, OWASP, event, {
      severity: 'high',
      principal: named ? p.id : key,
      summary: byRun
        ? `${named ? p.id : key} authenticated successfully from ${key.slice(key.indexOf(':') + 1)} right after ${byRun.run.failures} consecutive failed attempts from there over ${byRun.run.seconds}s ` +
          (byRun.surge === undefined ? `(threshold ${byRun.threshold})` : `(threshold ${byRun.threshold}), an address of the reported login failure surge on ${byRun.surge}`)
        : `${named ? p.id : key} authenticated successfully from ${key.slice(key.indexOf(':') + 1)} right after ${c.failures} failed attempts from there within ${cfg.windowSeconds}s`,
      evidence: {
        pattern: 'account_takeover',
        confidence: accountFailed ? 0.9 : 0.8,
        failuresBefore: byRun ? byRun.run.failures : c.failures,
        distinctAccounts: c.accounts,
        accountAmongFailures: accountFailed,
        flaggedSource: key,
        ...(byRun
          ? { evidenceKind: byRun.surge === undefined ? 'failure_run' : 'surge_run', runSeconds: byRun.run.seconds, runThreshold: byRun.threshold, runThresholdBasis: byRun.basis, ...(byRun.surge === undefined ? {} : { surgeRoute: byRun.surge }) }
          : { evidenceKind: 'burst' }),
        windowSeconds: cfg.windowSeconds,
        lookbackSeconds: cfg.takeoverLookbackSeconds,
        followSeconds: cfg.followSeconds,
      },
    });
  }

  /** After a takeover: bind the session's principals and report each new route they use. */
  function follow(event: NormalizedEvent, state: CredentialStuffingState, out: Finding[]): void {
    const p = event.principal;
    if (p.kind === 'ip') return;
    let f = state.followed.get(p.id);
    if (!f || f.until < event.ts) {
      const s = state.sessions.get(event.clientIp);
      if (!s || s.until < event.ts || s.bound.size >= BIND_CAP) return;
      f = bind(state, s, p.id, event);
    }
    if (f.routes.has(event.route) || f.routes.size >= FOLLOW_ROUTE_CAP) return;
    f.routes.add(event.route);
    out.push(
      makeFinding(NAME, OWASP, event, {
        severity: 'high',
        summary: `${p.id} used ${event.method} ${event.route} ${Math.round((event.ts - f.takeoverTs) / 1000)}s after a suspected account takeover from ${f.takeoverIp}`,
        evidence: {
          pattern: 'post_takeover_activity',
          confidence: 0.7,
          secondsSinceTakeover: Math.round((event.ts - f.takeoverTs) / 1000),
          takeoverIp: f.takeoverIp,
          status: event.status,
          routesSoFar: f.routes.size,
          followSeconds: cfg.followSeconds,
        },
      }),
    );
  }

  function bind(state: CredentialStuffingState, s: Session, principal: string, event: NormalizedEvent): Followed {
    s.bound.add(principal);
    const f: Followed = { until: s.until, takeoverTs: s.until - followMs, takeoverIp: event.clientIp, routes: new Set() };
    state.followed.set(principal, f);
    return f;
  }
}

/**
 * How sure a burst is stuffing: more accounts, a higher failure share and a count well past the
 * threshold each add; a learning-period threshold lowers it. Heuristic, documented in the README.
 */
function burstConfidence(c: Counts, limit: Limit, minAccounts: number): number {
  let conf = 0.6;
  if (c.accounts >= minAccounts || c.credentials >= minAccounts) conf += 0.15;
  if (c.ratio >= 0.9) conf += 0.1;
  if (c.failures >= 2 * limit.threshold) conf += 0.1;
  if (limit.basis === 'learning_floor') conf -= 0.1;
  return round2(Math.min(0.95, conf));
}
