import type { Finding, NormalizedEvent, Severity } from '../../libs/contracts/index.js';
import { createBoundedCache, type BoundedCache } from '../../libs/cache/index.js';
import { createCohortKeyMemo, hash32 } from '../../libs/baseline/index.js';
import type { Detector } from '../framework.js';
import { makeFinding, round2 } from '../credential-stuffing/finding.js';
import { addToPopulation, newPopulation, type Population } from '../credential-stuffing/stats.js';
import { DEFAULTS, type TokenMisuseConfig } from './config.js';
import { add, advance, limitOf, newDistinct, type Distinct, type Limit } from './distinct.js';
import { networksOf } from './network.js';

export { DEFAULTS, TokenMisuseConfigSchema, type TokenMisuseConfig } from './config.js';

export const NAME = 'token-misuse';
export const OWASP = 'API2:2023';

export type Pattern = 'many_networks' | 'many_user_agents' | 'concurrent_networks';

/** What one principal, or one bearer token, was used from. */
interface KeyState {
  nets: Distinct;
  uas: Distinct;
  /** Hash of the wide block (/16, /48) of the last request, and when; -1 before the first. */
  lastWide: number;
  lastTs: number;
  /** Changes of wide block in the current chain of requests each within `switchSeconds` of the previous, since `firstSwitchTs`. */
  switches: number;
  firstSwitchTs: number;
  /** The cohort last seen with this key and its populations, resolved once: lookups by a built key cost more than the detector. */
  cohort: string;
  netPop: Population | undefined;
  uaPop: Population | undefined;
}

export interface TokenMisuseState {
  principals: BoundedCache<KeyState>;
  tokens: BoundedCache<KeyState>;
  /** Hashes of each client IP's networks (net, wide), computed once per IP. */
  networks: BoundedCache<NetworkHashes>;
  /** hash32 of each user agent: a few hundred strings, hashed by the Map natively instead of per event. */
  userAgents: BoundedCache<number>;
  /** Per cohort (app + scope set) and measure: distinct values per principal-window. */
  cohorts: BoundedCache<Population>;
}

const KEY_CAP = 200_000;
const COHORT_CAP = 4096;
const UA_CAP = 4096;
/** Principal-windows per cohort the quantile is taken over. */
const COHORT_RING = 256;
/** Identities shared by design: an IP is one network, a gateway consumer is an app used by everyone. */
const SKIPPED_KINDS = new Set(['ip', 'consumer']);

/**
 * Token misuse (OWASP API2:2023): one principal or one bearer token used from many networks or user
 * agents within a short window, far beyond its own history and its cohort's; or one token
 * alternating between far-apart networks within seconds, i.e. used from two places at once.
 */
export function createTokenMisuseDetector(cfg: TokenMisuseConfig = DEFAULTS): Detector<TokenMisuseState> {
  // Memoized per principal id: building the key (sort, join) cost more than the rest of the detector.
  const cohortKey = createCohortKeyMemo();
  const windowMs = cfg.windowSeconds * 1000;
  const switchMs = cfg.switchSeconds * 1000;
  return {
    name: NAME,
    owasp: OWASP,
    createState: () => ({
      principals: createBoundedCache<KeyState>(KEY_CAP),
      tokens: createBoundedCache<KeyState>(KEY_CAP),
      networks: createBoundedCache<NetworkHashes>(KEY_CAP),
      userAgents: createBoundedCache<number>(UA_CAP),
      cohorts: createBoundedCache<Population>(COHORT_CAP),
    }),
    detect(event, state) {
      const p = event.principal;
      if (SKIPPED_KINDS.has(p.kind)) return [];
      let nets = state.networks.get(event.clientIp);
      if (nets === undefined) {
        nets = hashedNetworksOf(event.clientIp);
        state.networks.set(event.clientIp, nets);
      }
      let ua = state.userAgents.get(event.userAgent);
      if (ua === undefined) {
        ua = hash32(event.userAgent);
        state.userAgents.set(event.userAgent, ua);
      }
      const seen: Seen = { net: nets.net, wide: nets.wide, ua };
      const cohort = cohortKey(p);
      const out: Finding[] = [];
      check(event, state, state.principals.getOrCreate(p.id, newKeyState), 'principal', cohort, seen, out);
      const fp = p.credentialFingerprint;
      // A token is tracked apart from its principal: a stolen token replayed elsewhere while its owner keeps working.
      if (p.authScheme === 'bearer' && fp !== undefined && !isKeyOf(p.id, fp)) {
        const token = state.tokens.getOrCreate(fp, newKeyState);
        check(event, state, token, 'token', cohort, seen, out);
        const switched = concurrent(event, token, seen.wide);
        if (switched) out.push(switched);
      }
      return out;
    },
  };

  function check(event: NormalizedEvent, state: TokenMisuseState, k: KeyState, scope: 'principal' | 'token', cohort: string, seen: Seen, out: Finding[]): void {
    if (k.netPop === undefined || k.uaPop === undefined || k.cohort !== cohort) {
      k.cohort = cohort;
      k.netPop = state.cohorts.getOrCreate(`${scope}|net|${cohort}`, () => newPopulation(COHORT_RING));
      k.uaPop = state.cohorts.getOrCreate(`${scope}|ua|${cohort}`, () => newPopulation(COHORT_RING));
    }
    const { netPop, uaPop } = k;
    const closedNets = advance(k.nets, event.ts, windowMs);
    if (closedNets > 0) addToPopulation(netPop, closedNets);
    const closedUas = advance(k.uas, event.ts, windowMs);
    if (closedUas > 0) addToPopulation(uaPop, closedUas);
    if (add(k.nets, seen.net, event.ts, windowMs)) {
      const f = over(event, k.nets, limitOf(k.nets, netPop, cfg.minNetworks, cfg), 'many_networks', scope);
      if (f) out.push(f);
    }
    if (add(k.uas, seen.ua, event.ts, windowMs)) {
      const f = over(event, k.uas, limitOf(k.uas, uaPop, cfg.minUserAgents, cfg), 'many_user_agents', scope);
      if (f) out.push(f);
    }
  }

  function over(event: NormalizedEvent, d: Distinct, limit: Limit, pattern: Pattern, scope: 'principal' | 'token'): Finding | undefined {
    const n = d.seen.size;
    if (n < limit.threshold) return undefined;
    d.alerted = true;
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
   * A token that keeps jumping between far-apart networks within seconds is held in two places. The
   * jumps form a chain while each request comes within `switchSeconds` of the previous one; a longer
   * pause (a phone moving from wifi to its carrier on the way home) breaks it.
   * NOTE: the chain used to require every jump within `switchSeconds` of the first one, stricter than
   * documented: a replay spread over a few minutes was then caught only by the slower distinct-network count.
   */
  function concurrent(event: NormalizedEvent, k: KeyState, wide: number): Finding | undefined {
    const quick = k.lastTs >= 0 && event.ts - k.lastTs <= switchMs;
    const jumped = quick && k.lastWide !== -1 && wide !== k.lastWide;
    k.lastWide = wide;
    k.lastTs = Math.max(k.lastTs, event.ts);
    if (!quick) {
      k.switches = 0;
      k.firstSwitchTs = -1;
    }
    if (!jumped) return undefined;
    if (k.switches === 0) k.firstSwitchTs = event.ts;
    k.switches++;
    if (k.switches < cfg.minSwitches) return undefined;
    return makeFinding(NAME, OWASP, event, {
      severity: 'medium',
      summary: `one token of ${event.principal.id} switched between far-apart networks ${k.switches} times over ${Math.round((event.ts - k.firstSwitchTs) / 1000)}s, each within ${cfg.switchSeconds}s of the previous request`,
      evidence: {
        pattern: 'concurrent_networks',
        confidence: 0.7,
        scope: 'token',
        credentialFingerprint: event.principal.credentialFingerprint,
        switches: k.switches,
        minSwitches: cfg.minSwitches,
        chainSeconds: Math.round((event.ts - k.firstSwitchTs) / 1000),
        windowSeconds: cfg.switchSeconds,
      },
    });
  }
}

interface NetworkHashes {
  net: number;
  wide: number;
}

function hashedNetworksOf(ip: string): NetworkHashes {
  const n = networksOf(ip);
  return { net: hash32(n.net), wide: hash32(n.wide) };
}

/** `id === \`key:${fp}\``, without building that string on every event. */
function isKeyOf(id: string, fp: string): boolean {
  return id.length === fp.length + 4 && id.startsWith('key:') && id.endsWith(fp);
}

interface Seen {
  net: number;
  wide: number;
  ua: number;
}

function newKeyState(): KeyState {
  return { nets: newDistinct(), uas: newDistinct(), lastWide: -1, lastTs: -1, switches: 0, firstSwitchTs: -1, cohort: '', netPop: undefined, uaPop: undefined };
}
