import type { MachineContext } from './context.js';
import type { ExpiryState } from './expiry.js';
import { isEwma, newRing, type Ewma } from '../../libs/baseline/index.js';
import type { BoundedCache } from '../../libs/cache/index.js';
import { newPopulation, type Population } from '../credential-stuffing/stats.js';
import { CAP, type Seen } from './distinct.js';
import { decodeSpread, encodeSpread, type SpreadState } from './spread.js';
import type { Relocation } from './relocated.js';

export interface TokenMisuseState {
  /** By principal id. */
  principals: BoundedCache<KeyState>;
  /**
   * By credential fingerprint; login sessions by `session:<session fingerprint>` (only their
   * `origin` is used: relocated.ts), saved with the principal that used them last like tokens.
   */
  tokens: BoundedCache<TokenState>;
  /** Hashes of each client IP's networks, computed once per IP (a memo: not saved). */
  networks: BoundedCache<NetworkHashes>;
  /** hash32 of each user agent: a few hundred strings, hashed by the Map natively instead of per event (a memo: not saved). */
  userAgents: BoundedCache<number>;
  /** hash32 of each user agent without its version numbers (relocated.ts `clientKind`): a memo, not saved. */
  clientKinds: BoundedCache<number>;
  /** By `${scope}|${cohort}`. */
  cohorts: BoundedCache<CohortPops>;
  /** Expired tokens served (expiry.ts): memos, not saved. */
  expiry: ExpiryState;
  /** Machine credentials' usual networks, clients and routes (context.ts), by principal id. */
  contexts: BoundedCache<MachineContext>;
}

/** Hashes of an IP's networks, int32 so V8 keeps them unboxed (small integers) in the memo and the windows. */
export interface NetworkHashes {
  net: number;
  wide: number;
}

/**
 * What one principal was used from. Flat, and lazy where it can be: a principal costs one object
 * until a window closes (`netOwn`, `uaOwn`) and holds nothing it would only need as a token.
 */
export interface KeyState {
  /** Index (`ts / windowMs`) of the current tumbling window; -1 before the first event. Both measures roll together. */
  bucket: number;
  /** Distinct /24 (/64) networks and user agents in the sliding window; undefined before the first. */
  nets: Seen | undefined;
  uas: Seen | undefined;
  /** EWMA of distinct values per closed window; undefined until one closes with values. */
  netOwn: Ewma | undefined;
  uaOwn: Ewma | undefined;
  /** The current window alerted: it is not learned from, so an attack does not become the new normal. */
  netAlerted: boolean;
  uaAlerted: boolean;
  /** The cohort's populations, resolved once (lookups by a built key cost more than the detector); re-resolved when the cohort changes. */
  pops: CohortPops | undefined;
}

/** A bearer token: what a principal keeps, plus the chain of far-apart network switches. */
export interface TokenState extends KeyState {
  /** Principal that used it last: its snapshot row carries the token, and the token moves with it. */
  owner: string;
  /** Hash of the wide block (/16, /48) of the last request, and when; lastTs -1 before the first. */
  lastWide: number;
  lastTs: number;
  /** Changes of wide block in the current chain of requests each within `switchSeconds` of the previous, since `firstSwitchTs`. */
  switches: number;
  firstSwitchTs: number;
  /**
   * The wide blocks the current chain went through, in order (at most CHAIN_CAP), undefined outside
   * a chain; and whether it came back to one it had left. A token held in two places goes back and
   * forth; a client behind a VPN or a cloud proxy whose exit changes every few requests only ever
   * moves on.
   */
  chainWides: number[] | undefined;
  chainReturned: boolean;
  /** Its far-apart networks over its life (spread.ts); undefined before its first request. */
  spread: SpreadState | undefined;
  /** Where and by what client it was first used (relocated.ts); undefined before its first request. */
  origin: Relocation | undefined;
}

/** Per cohort (app + scope set) and scope (principal or token): distinct values per principal-window. */
export interface CohortPops {
  cohort: string;
  net: Population;
  ua: Population;
  /** Event time a window was last added (the snapshot row's lastTs). */
  lastTs: number;
  /** Token scope only: where the cohort's tokens moved to (relocated.ts); undefined until one did. */
  moves: Move[] | undefined;
}

/** A place (wide block, user agent) tokens of a cohort moved to, and the first principals whose did (hash32 of their ids). */
export interface Move {
  wide: number;
  ua: number;
  principals: number[];
}

/** Principal-windows per cohort the quantile is taken over. */
export const COHORT_RING = 256;

export function newKeyState(): KeyState {
  return { bucket: -1, nets: undefined, uas: undefined, netOwn: undefined, uaOwn: undefined, netAlerted: false, uaAlerted: false, pops: undefined };
}

export function newTokenState(owner: string): TokenState {
  return {
    bucket: -1,
    nets: undefined,
    uas: undefined,
    netOwn: undefined,
    uaOwn: undefined,
    netAlerted: false,
    uaAlerted: false,
    pops: undefined,
    owner,
    lastWide: 0,
    lastTs: -1,
    switches: 0,
    firstSwitchTs: -1,
    chainWides: undefined,
    chainReturned: false,
    spread: undefined,
    origin: undefined,
  };
}

/** Wide blocks a chain of switches remembers: a chain through more is caught by the distinct-network count. */
export const CHAIN_CAP = 8;

export function newCohortPops(cohort: string): CohortPops {
  return { cohort, net: newPopulation(COHORT_RING), ua: newPopulation(COHORT_RING), lastTs: 0, moves: undefined };
}

// ---- Snapshot encodings: numbers and hashes only. Decoders reject anything malformed (undefined).

export interface EncodedKey {
  bucket: number;
  nets: number[] | null;
  uas: number[] | null;
  netOwn: Ewma | null;
  uaOwn: Ewma | null;
  netAlerted: boolean;
  uaAlerted: boolean;
}

export type EncodedToken = EncodedKey & {
  lastWide: number;
  lastTs: number;
  switches: number;
  firstSwitchTs: number;
  chainWides: number[] | null;
  chainReturned: boolean;
  spread: unknown;
  origin: [number, number, boolean] | null;
};

export function encodeKey(k: KeyState): EncodedKey {
  return {
    bucket: k.bucket,
    nets: k.nets ?? null,
    uas: k.uas ?? null,
    netOwn: k.netOwn ?? null,
    uaOwn: k.uaOwn ?? null,
    netAlerted: k.netAlerted,
    uaAlerted: k.uaAlerted,
  };
}

export function encodeToken(t: TokenState): EncodedToken {
  return {
    ...encodeKey(t),
    lastWide: t.lastWide,
    lastTs: t.lastTs,
    switches: t.switches,
    firstSwitchTs: t.firstSwitchTs,
    chainWides: t.chainWides ?? null,
    chainReturned: t.chainReturned,
    spread: t.spread === undefined ? null : encodeSpread(t.spread),
    origin: t.origin === undefined ? null : [t.origin.wide, t.origin.ua, t.origin.reported],
  };
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isInt = (v: unknown): v is number => Number.isInteger(v);

function decodeSeen(v: unknown): Seen | undefined | false {
  if (v === null) return undefined;
  if (!Array.isArray(v) || v.length % 2 !== 0 || v.length > 2 * CAP || !v.every(isNum)) return false;
  return [...v];
}

function decodeOwn(v: unknown): Ewma | undefined | false {
  if (v === null) return undefined;
  return isEwma(v) ? { mean: v.mean, variance: v.variance, weight: v.weight, lastTs: v.lastTs, n: v.n } : false;
}

export function decodeKey(v: unknown): KeyState | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const nets = decodeSeen(o.nets);
  const uas = decodeSeen(o.uas);
  const netOwn = decodeOwn(o.netOwn);
  const uaOwn = decodeOwn(o.uaOwn);
  if (nets === false || uas === false || netOwn === false || uaOwn === false) return undefined;
  if (!isInt(o.bucket) || o.bucket < -1 || typeof o.netAlerted !== 'boolean' || typeof o.uaAlerted !== 'boolean') return undefined;
  return { bucket: o.bucket, nets, uas, netOwn, uaOwn, netAlerted: o.netAlerted, uaAlerted: o.uaAlerted, pops: undefined };
}

export function decodeToken(v: unknown, owner: string): TokenState | undefined {
  const k = decodeKey(v);
  if (k === undefined) return undefined;
  const o = v as Record<string, unknown>;
  if (!isNum(o.lastWide) || !isNum(o.lastTs) || !isInt(o.switches) || o.switches < 0 || !isNum(o.firstSwitchTs)) return undefined;
  // Rows saved before tokens kept their spread (2026-11-30) have none: it starts afresh.
  const absent = o.spread === undefined || o.spread === null;
  const spread = absent ? undefined : decodeSpread(o.spread);
  if (!absent && spread === undefined) return undefined;
  const chain = decodeChain(o.chainWides, o.chainReturned);
  if (chain === undefined) return undefined;
  const origin = decodeOrigin(o.origin);
  if (origin === false) return undefined;
  return { ...k, owner, lastWide: o.lastWide, lastTs: o.lastTs, switches: o.switches, firstSwitchTs: o.firstSwitchTs, ...chain, spread, origin };
}

/** Rows saved before tokens kept their origin (2026-12-01) have none: the token's next request sets it. */
function decodeOrigin(v: unknown): Relocation | undefined | false {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length !== 3) return false;
  const [wide, ua, reported] = v as unknown[];
  if (!isInt(wide) || !isInt(ua) || typeof reported !== 'boolean') return false;
  return { wide, ua, reported };
}

/**
 * A token row's chain of switches. Rows saved before chains kept their networks (2026-11-30) have
 * neither field: the chain in flight starts afresh at its next switch, and its token is judged by
 * what it does from then on.
 */
function decodeChain(wides: unknown, returned: unknown): Pick<TokenState, 'chainWides' | 'chainReturned'> | undefined {
  if (wides === undefined && returned === undefined) return { chainWides: undefined, chainReturned: false };
  if (typeof returned !== 'boolean') return undefined;
  if (wides === null) return { chainWides: undefined, chainReturned: returned };
  if (!Array.isArray(wides) || wides.length === 0 || wides.length > CHAIN_CAP || !wides.every(isInt)) return undefined;
  return { chainWides: [...wides], chainReturned: returned };
}

interface EncodedPopulation {
  count: number;
  /** The ring's filled slots, in slot order. */
  values: number[];
  /** The quantile cached at `cachedAt` values: it is refreshed only every few values, so detection depends on it. */
  cachedAt: number;
  cached: number;
}

export function encodePops(c: CohortPops): { net: EncodedPopulation; ua: EncodedPopulation; moves?: [number, number, number[]][] } {
  const pops = { net: encodePopulation(c.net), ua: encodePopulation(c.ua) };
  return c.moves === undefined ? pops : { ...pops, moves: c.moves.map((m) => [m.wide, m.ua, [...m.principals]]) };
}

function encodePopulation(p: Population): EncodedPopulation {
  const filled = Math.min(p.ring.count, p.ring.values.length);
  return { count: p.ring.count, values: Array.from(p.ring.values.subarray(0, filled)), cachedAt: p.cachedAt, cached: p.cached };
}

export function decodePops(v: unknown, cohort: string, lastTs: number): CohortPops | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const net = decodePopulation(o.net);
  const ua = decodePopulation(o.ua);
  const moves = decodeMoves(o.moves);
  return net && ua && moves !== false ? { cohort, net, ua, lastTs, moves } : undefined;
}

/** Rows saved before tokens' moves were kept (2026-12-01) have none. */
function decodeMoves(v: unknown): Move[] | undefined | false {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length > MOVES_CAP) return false;
  const out: Move[] = [];
  for (const e of v as unknown[]) {
    if (!Array.isArray(e) || e.length !== 3) return false;
    const [wide, ua, principals] = e as unknown[];
    if (!isInt(wide) || !isInt(ua) || !Array.isArray(principals) || principals.length > MOVE_PRINCIPALS_CAP) return false;
    if (!principals.every(isInt)) return false;
    out.push({ wide, ua, principals: [...(principals)] });
  }
  return out;
}

/** Places remembered per cohort, and principals per place (enough to tell infrastructure). */
export const MOVES_CAP = 16;
export const MOVE_PRINCIPALS_CAP = 3;

function decodePopulation(v: unknown): Population | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { count, values, cachedAt, cached } = v as Record<string, unknown>;
  if (!isInt(count) || count < 0 || !Array.isArray(values) || !values.every(isNum)) return undefined;
  if (values.length !== Math.min(count, COHORT_RING) || !isInt(cachedAt) || cachedAt < -1 || cachedAt > count || !isNum(cached)) return undefined;
  const ring = newRing(COHORT_RING);
  ring.values.set(values);
  ring.count = count;
  return { ring, cachedAt, cached };
}
