import { FHIR_RESOURCE_TYPES } from '../../libs/routes/index.js';
import type { Interaction } from './smart-scopes.js';

/** What a FHIR REST request needs from a SMART scope: the resource type and the interactions that allow it. */
export interface FhirRequest {
  type: string;
  /** Any one of these interactions on `type` (or `*`) allows the request. */
  needs: readonly Interaction[];
  /** True for create/update/delete: the request changes data. */
  write: boolean;
}

const READ: readonly Interaction[] = ['r'];
const SEARCH: readonly Interaction[] = ['s'];
const CREATE: readonly Interaction[] = ['c'];
// PUT to an id may create the resource (update-as-create), so either grant allows it.
const UPSERT: readonly Interaction[] = ['u', 'c'];
const UPDATE: readonly Interaction[] = ['u'];
const DELETE: readonly Interaction[] = ['d'];

/**
 * The FHIR interaction a (method, route template) performs, or undefined when it is not a plain
 * FHIR REST interaction. The resource type is the last FHIR type in the route, so a compartment
 * search `/Patient/{id}/Observation` needs Observation search.
 * NOTE: operations (`$everything`, `$export`, ...) return undefined: what they need depends on the
 * server (it may filter `$everything` by scope), so they cannot prove broken authorization.
 * So do routes where a FHIR type name is followed by anything else (MVC `/Account/Login`).
 */
export function fhirRequest(method: string, route: string): FhirRequest | undefined {
  const segments = route.split('/').filter((s) => s !== '');
  let at = -1;
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i] as string;
    if (s.startsWith('$')) return undefined;
    if (FHIR_RESOURCE_TYPES.has(s)) at = i;
  }
  if (at < 0) return undefined;
  const type = segments[at] as string;
  const rest = segments.slice(at + 1).join('/');
  const m = method.toUpperCase();
  const needs = interactionOf(m, rest);
  if (needs === undefined) return undefined;
  return { type, needs, write: needs !== READ && needs !== SEARCH };
}

function interactionOf(method: string, rest: string): readonly Interaction[] | undefined {
  const get = method === 'GET' || method === 'HEAD';
  switch (rest) {
    case '':
      // Type level: search, create, or conditional update/delete (by search parameters).
      if (get) return SEARCH;
      if (method === 'POST') return CREATE;
      if (method === 'PUT') return UPSERT;
      if (method === 'PATCH') return UPDATE;
      if (method === 'DELETE') return DELETE;
      return undefined;
    case '_search':
      return get || method === 'POST' ? SEARCH : undefined;
    case '_history':
      return get ? SEARCH : undefined;
    case '{id}':
      if (get) return READ;
      if (method === 'PUT') return UPSERT;
      if (method === 'PATCH') return UPDATE;
      if (method === 'DELETE') return DELETE;
      return undefined;
    case '{id}/_history':
    case '{id}/_history/{id}':
      return get ? READ : undefined;
    default:
      return undefined;
  }
}
