import { createBoundedCache, createPairCache } from '../cache/index.js';
import { classifySegment, isFhirBaseMarker } from './classify.js';

export interface RouteTemplate {
  /** e.g. /fhir/Patient/{id} */
  readonly route: string;
  /** Indexes of the `{id}` segments in the path split on '/', leading empty segment dropped. */
  readonly idSegments: readonly number[];
}

export interface RouteTemplater {
  /** `scope` is the service (or host): templates and learned positions never cross scopes. */
  template(scope: string, path: string): RouteTemplate;
}

export interface RouteTemplaterOptions {
  /** A position becomes `{id}` once it has held more than this many distinct unjudgeable words. */
  highCardinalityThreshold?: number;
  /** Positions whose distinct values are being counted; the least recently seen are forgotten beyond this. */
  maxTrackedPositions?: number;
  /** Positions remembered as holding ids; beyond this, nothing more is learned. */
  maxLearnedPositions?: number;
  /** Templates cached for hot paths (0 disables). */
  cacheSize?: number;
}

const MAX_TRACKED_VALUE_LENGTH = 128;
/** Long paths are mostly unique; caching them would only cost memory. */
const MAX_CACHED_PATH_LENGTH = 512;
/** Distinct templates shared (see `shared`): an API has hundreds; a scanner's literal paths age out. */
const SHARED_TEMPLATES = 4_096;

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Learns route templates from traffic. Segments the classifier can judge (numbers, UUIDs, FHIR
 * types, `$operations`, known words) are decided at once; plain words are literal until their
 * position (scope + template prefix) has shown more than `highCardinalityThreshold` distinct
 * values, after which every non-known word there is `{id}` (e.g. /profiles/alice).
 *
 * NOTE: learning changes templates. Paths seen before a position was learned were templated with
 * the literal word; later events for the same path get `{id}`. The cache is cleared on every
 * learning step so no stale template is served after that.
 * NOTE: the first segment is never learned: scanners probing thousands of random top-level paths
 * would otherwise turn every route into /{id}/...
 */
export function createRouteTemplater(opts: RouteTemplaterOptions = {}): RouteTemplater {
  const threshold = opts.highCardinalityThreshold ?? 25;
  const maxTracked = opts.maxTrackedPositions ?? 5_000;
  const maxLearned = opts.maxLearnedPositions ?? 10_000;
  const cacheSize = opts.cacheSize ?? 10_000;

  /** position key -> distinct values seen so far (at most threshold + 1). */
  const tracking = createBoundedCache<Set<string>>(maxTracked);
  const learned = new Set<string>();
  // Keyed by (scope, path) as a pair: no joined key string per event, and no NUL-separator
  // ambiguity (a joined "a\0b" + "c" and "a" + "b\0c" were one key).
  const cache = createPairCache<RouteTemplate>(cacheSize);
  /**
   * One template object per distinct template. NOTE: paths that differ by an id are cache misses
   * (the cache is keyed by path), and each miss used to build its own copy of the same route
   * string: the detectors then looked every event's route up by a fresh string (hash it, compare
   * it character by character with a stored key likely out of the CPU cache), and the path cache
   * held thousands of equal copies. Shared, a lookup by route finds its key by identity.
   */
  const shared = createBoundedCache<RouteTemplate>(SHARED_TEMPLATES);

  /** Returns true when the position at `positionKey` holds ids (possibly learning that now). */
  function observe(positionKey: string, value: string): boolean {
    if (learned.has(positionKey)) return true;
    let seen = tracking.get(positionKey);
    if (seen === undefined) {
      seen = new Set();
      tracking.set(positionKey, seen);
    }
    seen.add(value.length > MAX_TRACKED_VALUE_LENGTH ? value.slice(0, MAX_TRACKED_VALUE_LENGTH) : value);
    if (seen.size <= threshold || learned.size >= maxLearned) return false;
    // The tracker stays until its generation ages out; `learned` is checked first from now on.
    learned.add(positionKey);
    seen.clear();
    cache.clear();
    return true;
  }

  function compute(scope: string, path: string): RouteTemplate {
    const segments = path.split('/');
    if (segments[0] === '') segments.shift();
    const out: string[] = [];
    const idSegments: number[] = [];
    let previous: string | undefined;
    let fhir = false;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i] ?? '';
      let kind = classifySegment(segment, previous, fhir);
      previous = segment;
      // The position is the template so far ('/' + each earlier shown segment), built only here:
      // most segments are judged without it.
      // NOTE: the scope's length leads the key so that no scope and prefix can spell another pair's
      // key (scope "p\0/q" + prefix "r" and scope "p" + prefix "q\0/r" would with a separator only).
      if (kind === 'unknown') kind = i > 0 && observe(`${scope.length}:${scope}/${out.join('/')}`, segment) ? 'id' : 'literal';
      if (kind === 'literal' && !fhir && isFhirBaseMarker(segment)) fhir = true;
      const shown = kind === 'id' ? '{id}' : segment;
      if (kind === 'id') idSegments.push(i);
      out.push(shown);
    }
    const route = `/${out.join('/')}`;
    const known = shared.get(route);
    // The same text with other id positions: a literal segment spelled "{id}" (a scanner's path).
    if (known !== undefined && sameNumbers(known.idSegments, idSegments)) return known;
    const fresh: RouteTemplate = { route, idSegments };
    shared.set(route, fresh);
    return fresh;
  }

  function template(scope: string, path: string): RouteTemplate {
    if (cacheSize === 0 || path.length > MAX_CACHED_PATH_LENGTH) return compute(scope, path);
    const hit = cache.get(scope, path);
    if (hit !== undefined) return hit;
    const result = compute(scope, path);
    cache.set(scope, path, result);
    return result;
  }

  return { template };
}
