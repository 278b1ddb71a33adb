import type { Finding, NormalizedEvent, Severity } from '../../libs/contracts/index.js';
import { createBoundedCache, type BoundedCache } from '../../libs/cache/index.js';
import { hash32, type CappedSets, type Persistent } from '../../libs/baseline/index.js';
import type { Detector } from '../framework.js';
import { createTraitsMemo, isMachine, type TraitsDeps } from '../principal-traits.js';
import { makeFinding, round2 } from '../credential-stuffing/finding.js';
import { describeDuration } from '../duration.js';
import { addToPopulation } from '../credential-stuffing/stats.js';
import { DEFAULTS, type TokenMisuseConfig } from './config.js';
import { add, countSince, learnWindow, limitOf, sizeOf, thresholdOf, type Limit } from './distinct.js';
import { checkExpiry, newExpiryState } from './expiry.js';
import { judgeContext, newContext, type MachineContext } from './context.js';
import { networksOf } from './network.js';
import { newSpread, recordSpread } from './spread.js';
import { clientKind, relocated } from './relocated.js';
import { forgetPrincipals, restoreRows, snapshotRows } from './persist.js';
import { CHAIN_CAP, newCohortPops, newKeyState, newTokenState, type CohortPops, type KeyState, type NetworkHashes, type TokenMisuseState, type TokenState } from './state.js';

export { DEFAULTS, TokenMisuseConfigSchema, type TokenMisuseConfig } from './config.js';
export type { TokenMisuseState } from './state.js';

export const NAME = 'token-misuse';
export const OWASP = 'API2:2023';

export type Pattern = 'many_networks' | 'many_user_agents' | 'concurrent_networks' | 'scattered_token' | 'expired_token_accepted' | 'foreign_use' | 'token_relocated';

const KEY_CAP = 200_000;
/** Cohort (app + scope set) x scope (principal, token) entries, each with two populations. */
const COHORT_CAP = 4096;
const UA_CAP = 4096;
/** Machine credentials (API keys, client-credentials apps) with a learned context: services, not people. */
const CONTEXT_CAP = 50_000;
/** Identities shared by design: an IP is one network, a gateway consumer is an app used by everyone. */
const SKIPPED_KINDS = new Set(['ip', 'consumer']);

/**
 * Token misuse (OWASP API2:2023): one principal or one bearer token used from many networks or user
 * agents within a short window, far beyond its own history and its cohort's; or one token
 * alternating between far-apart networks within seconds, i.e. used from two places at once; or
 * from more far-apart networks over its life than one client moves through, interleaved
 * (spread.ts); or a bearer JWT served long after its expiry (expiry.ts).
 */
export function createTokenMisuseDetector(cfg: TokenMisuseConfig = DEFAULTS, deps: TraitsDeps = {}): Detector<TokenMisuseState> & Required<Persistent<TokenMisuseState>> & CappedSets<TokenMisuseState> {
  // The cohort key, from the memo services/registry.ts shares between detectors (one lookup per event).
  const traitsOf = deps.traits ?? createTraitsMemo();
  const windowMs = cfg.windowSeconds * 1000;
  const switchMs = cfg.switchSeconds * 1000;
  const spreadMs = cfg.spreadSeconds * 1000;
  const detector = { name: NAME, owasp: OWASP };
  return {
    name: NAME,
    owasp: OWASP,
    createState: () => ({
      principals: createBoundedCache<KeyState>(KEY_CAP),
      tokens: createBoundedCache<TokenState>(KEY_CAP),
      networks: createBoundedCache<NetworkHashes>(KEY_CAP),
      userAgents: createBoundedCache<number>(UA_CAP),
      clientKinds: createBoundedCache<number>(UA_CAP),
      cohorts: createBoundedCache<CohortPops>(COHORT_CAP),
      expiry: newExpiryState(),
      contexts: createBoundedCache<MachineContext>(CONTEXT_CAP),
    }),
    detect(event, state) {
      const p = event.principal;
      // Before the kind check: anonymous requests teach which routes are public.
      const expired = checkExpiry(detector, event, state.expiry, cfg);
      if (SKIPPED_KINDS.has(p.kind)) return expired === undefined ? [] : [expired];
      const nets = networkHashes(state.networks, event.clientIp);
      let ua = state.userAgents.get(event.userAgent);
      if (ua === undefined) {
        ua = hash32(event.userAgent) | 0;
        state.userAgents.set(event.userAgent, ua);
      }
      const cohort = traitsOf(p).cohort;
      const out: Finding[] = expired === undefined ? [] : [expired];
      check(event, state, state.principals.getOrCreate(p.id, newKeyState), 'principal', cohort, nets.net, ua, out);
      // Users roam (phones, laptops, new features); a service keeps one context.
      if (isMachine(p)) {
        const foreign = foreignUse(event, state, nets.net, ua);
        if (foreign) out.push(foreign);
      }
      const fp = p.credentialFingerprint;
      // A token is tracked apart from its principal: a stolen token replayed elsewhere while its owner keeps working.
      if (p.authScheme === 'bearer' && fp !== undefined && !isKeyOf(p.id, fp)) {
        let token = state.tokens.get(fp);
        if (token === undefined) {
          token = newTokenState(p.id);
          state.tokens.set(fp, token);
        } else token.owner = p.id;
        check(event, state, token, 'token', cohort, nets.net, ua, out);
        const switched = concurrent(event, token, nets.wide);
        if (switched) out.push(switched);
        const scattered = spread(event, token, nets.wide);
        if (scattered) out.push(scattered);
        const moved = relocated(detector, event, token, nets.wide, ua);
        if (moved) out.push(moved);
        // A login session (sid) lives across its refreshed tokens: a refresh token copied to
        // another machine brings new access tokens, each used in one place only, so the copy
        // shows only as the session in a new place (relocated.ts; one finding if the token moved too).
        const sfp = p.sessionFingerprint;
        if (sfp !== undefined) {
          let session = state.tokens.get(`session:${sfp}`);
          if (session === undefined) {
            session = newTokenState(p.id);
            state.tokens.set(`session:${sfp}`, session);
          } else session.owner = p.id;
          // The token's cohort populations: where this cohort's tokens move to by design (relocated.ts).
          session.pops = token.pops;
          const sessionMoved = relocated(detector, event, session, nets.wide, clientKindHash(state, event.userAgent), 'session');
          if (sessionMoved && !moved) out.push(sessionMoved);
        }
      }
      return out;
    },
    // Principal rows carry the principal and the tokens it used last; cohort rows the populations.
    snapshot: (state, version, select) => snapshotRows(NAME, state, version, windowMs, select?.principals),
    restore: (state, rows) => restoreRows(NAME, state, rows),
    // Their partition moved to another instance, which loads these rows (tokens included) from the store.
    forget: (state, principals) => forgetPrincipals(state, principals),
    clearCapped(state) {
      for (const [, k] of state.principals.entries()) clearSeen(k);
      for (const [, c] of state.contexts.entries()) {
        c.nets.length = 0;
        c.uas.length = 0;
        c.routes.length = 0;
      }
      for (const [, t] of state.tokens.entries()) {
        clearSeen(t);
        if (t.spread !== undefined) t.spread.wides.length = 0;
        t.chainWides = undefined;
      }
    },
  };

  /** hash32 of the user agent without its version numbers (relocated.ts `clientKind`), memoized like `userAgents`. */
  function clientKindHash(state: TokenMisuseState, userAgent: string): number {
    let h = state.clientKinds.get(userAgent);
    if (h === undefined) {
      h = hash32(clientKind(userAgent)) | 0;
      state.clientKinds.set(userAgent, h);
    }
    return h;
  }

  function check(event: NormalizedEvent, state: TokenMisuseState, k: KeyState, scope: 'principal' | 'token', cohort: string, net: number, ua: number, out: Finding[]): void {
    let pops = k.pops;
    if (pops === undefined || pops.cohort !== cohort) {
      pops = state.cohorts.getOrCreate(`${scope}|${cohort}`, () => newCohortPops(cohort));
      k.pops = pops;
    }
    const ts = event.ts;
    const bucket = Math.floor(ts / windowMs);
    if (bucket > k.bucket) {
      // The tumbling window closes: its distinct counts teach the own baseline and the cohort,
      // unless empty or alerted.
      if (k.bucket >= 0) {
        const start = k.bucket * windowMs;
        const closedNets = k.netAlerted ? 0 : countSince(k.nets, start);
        if (closedNets > 0) {
          k.netOwn = learnWindow(k.netOwn, closedNets, ts);
          addToPopulation(pops.net, closedNets);
          pops.lastTs = ts;
        }
        const closedUas = k.uaAlerted ? 0 : countSince(k.uas, start);
        if (closedUas > 0) {
          k.uaOwn = learnWindow(k.uaOwn, closedUas, ts);
          addToPopulation(pops.ua, closedUas);
          pops.lastTs = ts;
        }
      }
      k.bucket = bucket;
      k.netAlerted = false;
      k.uaAlerted = false;
    }
    // The first value makes the array at its exact size; most principals never have a second.
    let newNet = true;
    if (k.nets === undefined) k.nets = [net, ts];
    else newNet = add(k.nets, net, ts, windowMs);
    // The threshold alone first: the full Limit (and the finding) only for a count that reaches it.
    if (newNet && sizeOf(k.nets) >= thresholdOf(k.netOwn, pops.net, cfg.minNetworks, cfg)) {
      const f = over(event, sizeOf(k.nets), limitOf(k.netOwn, pops.net, cfg.minNetworks, cfg), 'many_networks', scope);
      if (f) {
        k.netAlerted = true;
        out.push(f);
      }
    }
    let newUa = true;
    if (k.uas === undefined) k.uas = [ua, ts];
    else newUa = add(k.uas, ua, ts, windowMs);
    if (newUa && sizeOf(k.uas) >= thresholdOf(k.uaOwn, pops.ua, cfg.minUserAgents, cfg)) {
      const f = over(event, sizeOf(k.uas), limitOf(k.uaOwn, pops.ua, cfg.minUserAgents, cfg), 'many_user_agents', scope);
      if (f) {
        k.uaAlerted = true;
        out.push(f);
      }
    }
  }

  function over(event: NormalizedEvent, n: number, limit: Limit, pattern: Pattern, scope: 'principal' | 'token'): Finding | undefined {
    if (n < limit.threshold) return undefined;
    const what = pattern === 'many_networks' ? 'networks' : 'user agents';
    const subject = scope === 'token' ? `one token of ${event.principal.id}` : event.principal.id;
    const severity: Severity = n >= 2 * limit.threshold ? 'high' : 'medium';
    let confidence = limit.basis === 'learning_floor' ? 0.5 : 0.65;
    if (n >= 2 * limit.threshold) confidence += 0.15;
    if (pattern === 'many_networks') confidence += 0.1;
    return makeFinding(NAME, OWASP, event, {
      severity,
      summary: `${subject} was used from ${n} distinct ${what} within ${cfg.windowSeconds}s (threshold ${limit.threshold}, own baseline ${limit.ownMean} per window)`,
      evidence: {
        pattern,
        confidence: round2(confidence),
        scope,
        ...(scope === 'token' ? { credentialFingerprint: event.principal.credentialFingerprint } : {}),
        distinct: n,
        threshold: limit.threshold,
        thresholdBasis: limit.basis,
        baselinePerWindow: limit.ownMean,
        learnedWindows: limit.ownWindows,
        cohortQuantile: limit.cohortQuantile,
        cohortWindows: limit.cohortWindows,
        windowSeconds: cfg.windowSeconds,
      },
    });
  }

  /**
   * A token that keeps jumping back and forth between far-apart networks within seconds is held in
   * two places. The jumps form a chain while each request comes within `switchSeconds` of the
   * previous one; a longer pause (a phone moving from wifi to its carrier on the way home) breaks it.
   * The chain must come back to a network it left: a client behind a VPN or a cloud proxy (Zscaler,
   * Private Relay) whose exit changes every few requests moves on through new networks, one client
   * in one place. A thief and the owner interleave, and so does a replay cycling through a few
   * rented addresses.
   * NOTE: the chain used to require every jump within `switchSeconds` of the first one, stricter than
   * documented: a replay spread over a few minutes was then caught only by the slower distinct-network count.
   */
  function concurrent(event: NormalizedEvent, k: TokenState, wide: number): Finding | undefined {
    // lastTs >= 0: a previous request set lastWide (any int32 is a valid hash, so no sentinel there).
    const quick = k.lastTs >= 0 && event.ts - k.lastTs <= switchMs;
    const left = k.lastWide;
    const jumped = quick && wide !== left;
    k.lastWide = wide;
    k.lastTs = Math.max(k.lastTs, event.ts);
    if (!quick) {
      k.switches = 0;
      k.firstSwitchTs = -1;
      k.chainWides = undefined;
      k.chainReturned = false;
    }
    if (!jumped) return undefined;
    if (k.switches === 0) k.firstSwitchTs = event.ts;
    // The chain starts at the network of the request before its first jump.
    const chain = (k.chainWides ??= [left]);
    if (chain.includes(wide)) k.chainReturned = true;
    else if (chain.length < CHAIN_CAP) chain.push(wide);
    k.switches++;
    if (k.switches < cfg.minSwitches || !k.chainReturned) return undefined;
    return makeFinding(NAME, OWASP, event, {
      severity: 'medium',
      summary: `one token of ${event.principal.id} switched back and forth between ${chain.length} far-apart networks ${k.switches} times over ${Math.round((event.ts - k.firstSwitchTs) / 1000)}s, each within ${cfg.switchSeconds}s of the previous request`,
      evidence: {
        pattern: 'concurrent_networks',
        confidence: 0.7,
        scope: 'token',
        credentialFingerprint: event.principal.credentialFingerprint,
        switches: k.switches,
        networks: chain.length,
        minSwitches: cfg.minSwitches,
        chainSeconds: Math.round((event.ts - k.firstSwitchTs) / 1000),
        windowSeconds: cfg.switchSeconds,
      },
    });
  }

  /** A machine credential used from a network and a client it never used, on a route it never called (context.ts). */
  function foreignUse(event: NormalizedEvent, state: TokenMisuseState, net: number, ua: number): Finding | undefined {
    const c = state.contexts.getOrCreate(event.principal.id, () => newContext(event.ts));
    const f = judgeContext(c, event, net, ua, cfg);
    if (f === undefined) return undefined;
    return makeFinding(NAME, OWASP, event, {
      severity: 'high',
      summary:
        `${event.principal.id}, a machine credential, was used from a network and a client it never used in ${f.days} days ` +
        `(${event.clientIp}, ${JSON.stringify(event.userAgent)}) to call ${event.method} ${event.route}, which it never called: someone else holds it`,
      evidence: {
        pattern: 'foreign_use',
        confidence: 0.8,
        scope: 'principal',
        learnedDays: f.days,
        knownNetworks: f.knownNetworks,
        knownUserAgents: f.knownUserAgents,
        knownRoutes: f.knownRoutes,
        userAgent: event.userAgent,
      },
    });
  }

  /** A token used from more far-apart networks than one client could be, interleaved (spread.ts). */
  function spread(event: NormalizedEvent, t: TokenState, wide: number): Finding | undefined {
    t.spread ??= newSpread();
    const r = recordSpread(t.spread, wide, event.ts, spreadMs, cfg.minSpreadNetworks);
    if (r === undefined) return undefined;
    const high = r.networks >= 2 * cfg.minSpreadNetworks;
    return makeFinding(NAME, OWASP, event, {
      severity: high ? 'high' : 'medium',
      summary:
        `one token of ${event.principal.id} was used from ${r.networks} far-apart networks within ${describeDuration(cfg.spreadSeconds)}, ` +
        `and one of them came back after two others had been used in between: held in several places at once`,
      evidence: {
        pattern: 'scattered_token',
        confidence: high ? 0.85 : 0.7,
        scope: 'token',
        credentialFingerprint: event.principal.credentialFingerprint,
        networks: r.networks,
        minNetworks: cfg.minSpreadNetworks,
        secondsSinceReturn: Math.round((event.ts - r.returnTs) / 1000),
        windowSeconds: cfg.spreadSeconds,
      },
    });
  }
}

function networkHashes(memo: BoundedCache<NetworkHashes>, ip: string): NetworkHashes {
  let h = memo.get(ip);
  if (h === undefined) {
    const n = networksOf(ip);
    h = { net: hash32(n.net) | 0, wide: hash32(n.wide) | 0 };
    memo.set(ip, h);
  }
  return h;
}

/** Empties the capped sets (the windows' values) and keeps the arrays themselves: an empty collection is outside them. */
function clearSeen(k: KeyState): void {
  if (k.nets !== undefined) k.nets.length = 0;
  if (k.uas !== undefined) k.uas.length = 0;
}

/** `id === \`key:${fp}\``, without building that string on every event. */
function isKeyOf(id: string, fp: string): boolean {
  return id.length === fp.length + 4 && id.startsWith('key:') && id.endsWith(fp);
}
