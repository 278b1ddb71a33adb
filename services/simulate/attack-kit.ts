import type { Random } from '../../scripts/traffic.js';
import type { Ledger } from './benign.js';
import type { SimParams } from './params.js';
import type { Actor, Clinician, Service, SimRequest, World } from './world.js';

/** Who an attack used: the principal Vigil should name, and/or the attacker's address. */
export interface Culprit {
  principal?: string;
  ip?: string;
}

/** Actors handed to attacks, each at most once per run, so labels never share a principal. */
export interface Actors {
  patient(): Actor;
  narrowApp(): Actor;
  clinician(): Clinician;
  billing(): Actor;
  syncService(): Service;
  partner(): World['partners'][number];
  /** Partners not yet used by an attack. */
  partnersLeft(): number;
}

export interface AttackCtx {
  rnd: Random;
  p: SimParams;
  w: World;
  ledger: Ledger;
  actors: Actors;
  /** Label id: every request the attack makes carries it. */
  id: string;
  start: number;
  out: SimRequest[];
}

export type Attack = (ctx: AttackCtx) => Culprit;

/** Hosting and VPN ranges attackers rent from; benign patients come from residential prefixes. */
const HOSTING_PREFIXES = [5, 45, 91, 103, 185, 194];
export function attackerIp(rnd: Random): string {
  return `${rnd.pick(HOSTING_PREFIXES)}.${rnd.int(1, 254)}.${rnd.int(0, 255)}.${rnd.int(1, 254)}`;
}

export const ATTACKER_UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0 Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0',
  'python-requests/2.31.0',
  'curl/8.5.0',
];

/** Seconds to ms with millisecond jitter, so generated timestamps are not round. */
export function secs(rnd: Random, min: number, max: number): number {
  return rnd.int(min * 1000, max * 1000);
}

export function makeActors(w: World, rnd: Random): Actors {
  // NOTE: a pool draws from (and shrinks) its own array; callers may keep a reference to count what is left.
  const pool =
    <T>(left: T[], what: string) =>
    (): T => {
      if (left.length === 0) throw new Error(`simulate: not enough ${what} for the attacks; raise --scale`);
      return left.splice(Math.floor(rnd.next() * left.length), 1)[0] as T;
    };
  const partners = [...w.partners];
  return {
    patient: pool([...w.patients], 'patient-app users'),
    narrowApp: pool([...w.narrowApp], 'third-party app users'),
    clinician: pool([...w.clinicians], 'clinicians'),
    billing: pool([...w.billing], 'billing staff'),
    syncService: pool(w.services.filter((s) => s.kind === 'sync'), 'sync services'),
    partner: pool(partners, 'partners'),
    partnersLeft: () => partners.length,
  };
}

/** Fisher-Yates, in place, on the seeded generator. */
export function shuffle<T>(rnd: Random, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rnd.next() * (i + 1));
    [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
  }
  return xs;
}
