import { hash32 } from '../../libs/baseline/index.js';
import type { NormalizedEvent } from '../../libs/contracts/index.js';
import type { TokenMisuseConfig } from './config.js';

/**
 * Where a machine credential (an API key, a client-credentials app) is used from and what it calls.
 * A service is regular: a scheduler lists the schedule from one host with one client, day after
 * day. The same key reading patient charts from a network and a client it never used is someone
 * else holding it (a key leaked from a repository, a CI log, a partner's laptop), whatever the
 * volume: one request is enough, so the rate and distinct-count patterns cannot see it.
 *
 * Known values are hashes (int32) in small arrays; a dimension that outgrows its cap is diverse for
 * this credential (a fleet behind many addresses) and is never evidence again (`diverse` bits).
 */
export interface MachineContext {
  firstTs: number;
  events: number;
  nets: number[];
  uas: number[];
  /** hash32 of `METHOD route`. */
  routes: number[];
  /** Bits of NETS, UAS, ROUTES: that dimension saturated its cap. */
  diverse: number;
  /**
   * A foreign pair (network and user agent both unknown) seen on known routes only, and how often
   * in a row: after `contextAdoptRequests` it is the credential's new home (a service moved to a
   * new host with a new release) and is learned.
   */
  pendingNet: number;
  pendingUa: number;
  pending: number;
}

const NETS = 1;
const UAS = 2;
const ROUTES = 4;
export const CONTEXT_CAPS = { nets: 16, uas: 8, routes: 64 } as const;

export function newContext(ts: number): MachineContext {
  return { firstTs: ts, events: 0, nets: [], uas: [], routes: [], diverse: 0, pendingNet: 0, pendingUa: 0, pending: 0 };
}

export interface ForeignUse {
  /** Days of history the credential was judged against, and what it knew. */
  days: number;
  knownNetworks: number;
  knownUserAgents: number;
  knownRoutes: number;
}

/**
 * Judges one request of a machine credential, then learns from it. Returns what the finding needs
 * when the credential is learned and the request comes from a network and a user agent it never
 * used, to a route it never called. A foreign request is never learned from at once: only a
 * foreign pair that keeps to known routes for `contextAdoptRequests` requests in a row becomes
 * known, so a thief who first calls a known route is still judged on the next new one.
 */
export function judgeContext(c: MachineContext, event: NormalizedEvent, net: number, ua: number, cfg: TokenMisuseConfig): ForeignUse | undefined {
  const route = hash32(`${event.method} ${event.route}`) | 0;
  const newNet = (c.diverse & NETS) === 0 && !c.nets.includes(net);
  const newUa = (c.diverse & UAS) === 0 && !c.uas.includes(ua);
  const newRoute = (c.diverse & ROUTES) === 0 && !c.routes.includes(route);
  const learned = c.events >= cfg.contextLearningEvents && event.ts - c.firstTs >= cfg.contextLearningSeconds * 1000;
  c.events++;
  if (event.ts < c.firstTs) c.firstTs = event.ts;
  const foreign = learned && newNet && newUa;
  if (foreign && newRoute) {
    c.pending = 0;
    return { days: Math.round(((event.ts - c.firstTs) / 86_400_000) * 10) / 10, knownNetworks: c.nets.length, knownUserAgents: c.uas.length, knownRoutes: c.routes.length };
  }
  if (foreign) {
    if (c.pending > 0 && c.pendingNet === net && c.pendingUa === ua) c.pending++;
    else {
      c.pendingNet = net;
      c.pendingUa = ua;
      c.pending = 1;
    }
    if (c.pending < cfg.contextAdoptRequests) return undefined;
    c.pending = 0;
  }
  learn(c, net, ua, route);
  return undefined;
}

function learn(c: MachineContext, net: number, ua: number, route: number): void {
  c.diverse |= addCapped(c.nets, net, CONTEXT_CAPS.nets, NETS);
  c.diverse |= addCapped(c.uas, ua, CONTEXT_CAPS.uas, UAS);
  c.diverse |= addCapped(c.routes, route, CONTEXT_CAPS.routes, ROUTES);
}

/** Adds `v`; returns `bit` when the array is full and `v` is new (the dimension is diverse). */
function addCapped(a: number[], v: number, cap: number, bit: number): number {
  if (a.includes(v)) return 0;
  if (a.length >= cap) return bit;
  a.push(v);
  return 0;
}

export const encodeContext = (c: MachineContext): unknown => [c.firstTs, c.events, c.nets, c.uas, c.routes, c.diverse, c.pendingNet, c.pendingUa, c.pending];

export function decodeContext(v: unknown): MachineContext | undefined {
  if (!Array.isArray(v) || v.length !== 9) return undefined;
  const [firstTs, events, nets, uas, routes, diverse, pendingNet, pendingUa, pending] = v as unknown[];
  const ints = (a: unknown, cap: number): a is number[] => Array.isArray(a) && a.length <= cap && a.every((x) => Number.isInteger(x));
  if (![firstTs, events, diverse, pendingNet, pendingUa, pending].every((x) => Number.isInteger(x))) return undefined;
  if (!ints(nets, CONTEXT_CAPS.nets) || !ints(uas, CONTEXT_CAPS.uas) || !ints(routes, CONTEXT_CAPS.routes)) return undefined;
  return { firstTs: firstTs as number, events: events as number, nets, uas, routes, diverse: diverse as number, pendingNet: pendingNet as number, pendingUa: pendingUa as number, pending: pending as number };
}
