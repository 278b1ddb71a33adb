import type { ZombieReason } from '../contracts/inventory.js';
import type { Match, Matcher } from './match.js';
import { methodsOf, type RouteState } from './route-state.js';

/** How a route stands against its service's declared surface. */
export interface Judgement {
  specKnown: boolean;
  shadow: boolean;
  undeclaredMethods: string[];
  undocumentedParams: string[];
  declared: { path: string; methods: string[]; operationIds: string[]; deprecated: boolean; interactions?: string[] } | null;
  /** deprecated and old-version; `stale` depends on the clock and is added by `zombieReasons`. */
  reasons: ZombieReason[];
}

const VERSION_SEGMENT = /^v(\d+)$/i;

/** `/api/v1/users/{id}` -> ['/api/{v}/users/{id}', 1]; undefined without a version segment. */
export function versionFamily(template: string): [string, number] | undefined {
  const segs = template.split('/');
  const i = segs.findIndex((s) => VERSION_SEGMENT.test(s));
  if (i < 0) return undefined;
  const version = Number(VERSION_SEGMENT.exec(segs[i] as string)?.[1]);
  segs[i] = '{v}';
  return [segs.join('/'), version];
}

/** Newest version per family of one service, from observed templates and declared paths. */
export type VersionIndex = Map<string, number>;

export function noteVersion(index: VersionIndex, template: string): boolean {
  const fam = versionFamily(template);
  if (!fam) return false;
  const current = index.get(fam[0]);
  if (current !== undefined && current >= fam[1]) return false;
  index.set(fam[0], fam[1]);
  return true;
}

export function isOlderVersion(index: VersionIndex, template: string): boolean {
  const fam = versionFamily(template);
  return fam !== undefined && (index.get(fam[0]) ?? fam[1]) > fam[1];
}

/**
 * Judges a route. Without a spec for its service nothing can be called shadow or undocumented
 * (specKnown false); versions and staleness still make zombies.
 */
export function judgeRoute(s: RouteState, matcher: Matcher | undefined, versions: VersionIndex | undefined): Judgement {
  const reasons: ZombieReason[] = [];
  if (versions && isOlderVersion(versions, s.template)) reasons.push('old-version');
  if (!matcher) return { specKnown: false, shadow: false, undeclaredMethods: [], undocumentedParams: [], declared: null, reasons };
  const methods = methodsOf(s);
  const matches: [string, Match | undefined][] = methods.map((m) => [m, matcher.match(m, s.template, s.params[m] ?? [])]);
  const found = matches.filter((x): x is [string, Match] => x[1] !== undefined);
  const undeclaredMethods = matches.filter(([, m]) => !m?.methodDeclared).map(([method]) => method);
  const undocumented = [...new Set(found.flatMap(([, m]) => m.undocumentedParams))].sort();
  const first = found[0]?.[1];
  const declaredOps = found.filter(([, m]) => m.methodDeclared).map(([, m]) => m);
  const deprecated = declaredOps.length > 0 && declaredOps.every((m) => m.deprecated);
  if (deprecated) reasons.unshift('deprecated');
  const interactions = [...new Set(found.flatMap(([, m]) => (m.interaction === undefined ? [] : [m.interaction])))].sort();
  return {
    specKnown: true,
    shadow: undeclaredMethods.length > 0,
    undeclaredMethods,
    undocumentedParams: undocumented,
    declared: first
      ? {
          path: first.path,
          methods: [...new Set(found.flatMap(([, m]) => m.pathMethods))].sort(),
          operationIds: [...new Set(declaredOps.flatMap((m) => (m.operationId === undefined ? [] : [m.operationId])))].sort(),
          deprecated,
          ...(interactions.length > 0 ? { interactions } : {}),
        }
      : null,
    reasons,
  };
}

const DAY_MS = 86_400_000;

/** Zombie reasons at `clock` (event time): the route's own plus `stale` after `staleDays` without traffic. */
export function zombieReasons(j: Judgement, lastSeen: number, clock: number, staleDays: number): ZombieReason[] {
  return clock - lastSeen >= staleDays * DAY_MS ? [...j.reasons, 'stale'] : j.reasons;
}
