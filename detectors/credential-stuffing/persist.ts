import { isCounter, isEwma, type WindowCounter } from '../../libs/baseline/index.js';
import type { FailureRun } from './run.js';
import { ROUTE_CAP, SET_CAP, type SourceState } from './source.js';

/**
 * JSON codecs of credential-stuffing's state for `baselines` rows. Decoders reject (undefined) what
 * the detector could not have written: wrong types, collections past their caps. Values are IP
 * addresses and subnets (the detector's keys, and its findings' principals), principal ids of
 * failing accounts, credential fingerprints (keyed hashes) and route templates, never credentials.
 */

/** After a takeover: the IP whose next authenticated principals are followed. */
export interface Session {
  until: number;
  bound: Set<string>;
}

/** A principal that logged in (or first appeared) from a source right after its burst. */
export interface Followed {
  until: number;
  takeoverTs: number;
  takeoverIp: string;
  routes: Set<string>;
}

/** Principals followed per taken-over IP, and routes reported per followed principal. */
export const BIND_CAP = 4;
export const FOLLOW_ROUTE_CAP = 50;

export function encodeSource(s: SourceState): unknown {
  return {
    failures: s.failures,
    successes: s.successes,
    anonymous: s.anonymous,
    accounts: [...s.accounts],
    credentials: [...s.credentials],
    ips: [...s.ips],
    failedRoutes: [...s.failedRoutes],
    own: s.own,
    flaggedUntil: s.flaggedUntil,
    run: s.run,
  };
}

export function decodeSource(v: unknown): SourceState | undefined {
  if (!isObject(v)) return undefined;
  const { failures, successes, anonymous, own, flaggedUntil, failedRoutes } = v;
  const counters = [failures, successes, anonymous].map(counterOf);
  const [accounts, credentials, ips] = [v.accounts, v.credentials, v.ips].map(timesOf);
  const run = runOf(v.run);
  if (counters.includes(undefined) || !accounts || !credentials || !ips || !run || !isEwma(own) || !isInt(flaggedUntil)) return undefined;
  if (!isStrings(failedRoutes, ROUTE_CAP)) return undefined;
  const [f, ok, anon] = counters as WindowCounter[];
  return {
    failures: f as WindowCounter,
    successes: ok as WindowCounter,
    anonymous: anon as WindowCounter,
    accounts,
    credentials,
    ips,
    failedRoutes: new Set(failedRoutes),
    own: { mean: own.mean, variance: own.variance, weight: own.weight, lastTs: own.lastTs, n: own.n },
    flaggedUntil,
    run,
  };
}

/** Event time of a source's latest activity, as far as its state tells: its rows' `lastTs`. */
export function lastActivity(s: SourceState): number {
  return Math.max(s.failures.start, s.successes.start, s.anonymous.start, s.run.last, s.own.lastTs);
}

export const encodeSession = (s: Session): unknown => ({ until: s.until, bound: [...s.bound] });

export function decodeSession(v: unknown): Session | undefined {
  if (!isObject(v) || !isInt(v.until) || !isStrings(v.bound, BIND_CAP)) return undefined;
  return { until: v.until, bound: new Set(v.bound) };
}

export const encodeFollowed = (f: Followed): unknown => ({ ...f, routes: [...f.routes] });

export function decodeFollowed(v: unknown): Followed | undefined {
  if (!isObject(v) || !isInt(v.until) || !isInt(v.takeoverTs) || typeof v.takeoverIp !== 'string' || !isStrings(v.routes, FOLLOW_ROUTE_CAP)) return undefined;
  return { until: v.until, takeoverTs: v.takeoverTs, takeoverIp: v.takeoverIp, routes: new Set(v.routes) };
}

function counterOf(v: unknown): WindowCounter | undefined {
  if (!isCounter(v) || !isInt(v.start) || !isInt(v.cur) || !isInt(v.prev)) return undefined;
  return { start: v.start, cur: v.cur, prev: v.prev, alerted: v.alerted };
}

/** `[value, last seen]` pairs of a capped map (accounts, credentials, member IPs). */
function timesOf(v: unknown): Map<string, number> | undefined {
  if (!Array.isArray(v) || v.length > SET_CAP) return undefined;
  const out = new Map<string, number>();
  for (const e of v) {
    if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || !isInt(e[1])) return undefined;
    out.set(e[0], e[1]);
  }
  return out;
}

function runOf(v: unknown): FailureRun | undefined {
  if (!isObject(v)) return undefined;
  const { failures, anonymous, credentials, first, last } = v;
  if (!isInt(failures) || !isInt(anonymous) || !isInt(first) || !isInt(last) || !isStrings(credentials, 2)) return undefined;
  return { failures, anonymous, credentials: credentials.slice(), first, last };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isInt(v: unknown): v is number {
  return Number.isSafeInteger(v);
}

function isStrings(v: unknown, cap: number): v is string[] {
  return Array.isArray(v) && v.length <= cap && v.every((x) => typeof x === 'string');
}
