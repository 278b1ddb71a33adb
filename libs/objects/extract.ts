import type { ApiEvent, ObjectRef } from '../contracts/index.js';
import type { Tokenizer } from '../privacy/index.js';
import { isIdLike, safeDecode, type RouteTemplate } from '../routes/index.js';
import { queryPairs } from './query.js';
import { locationPath, parseReference } from './reference.js';

export interface ExtractedObjects {
  objects: ObjectRef[];
  /** The path with every id segment replaced by its token. */
  pathTokenized: string;
  /** Sorted distinct query parameter names; id-like names become `{id}`. */
  queryKeys: string[];
}

/**
 * FHIR search parameters that point at one object, and the type a bare id refers to.
 * null: the parameter allows several target types, so only a typed reference (Type/id) counts.
 * NOTE: `subject` may also target Group or Device, but a bare subject id is a Patient in practice
 * (US Core), and missing a patient is worse for BOLA detection than mistyping a rare Group.
 */
const REFERENCE_PARAMS: ReadonlyMap<string, string | null> = new Map([
  ['patient', 'Patient'],
  ['subject', 'Patient'],
  ['beneficiary', 'Patient'],
  ['encounter', 'Encounter'],
  ['practitioner', 'Practitioner'],
  ['performer', null],
  ['requester', null],
  ['author', null],
]);

const SEQ_RE = /^\d{1,16}$/;
/** Up to this many objects or query names, duplicates are found by a scan instead of a Set. */
const LINEAR_MAX = 16;
/** Type used for an id that has no literal segment before it, e.g. /{id}. */
const ROOT_TYPE = '_root';

/**
 * The objects a request touched, tokenized: ids in the path (typed by the literal segment before
 * them), FHIR reference search parameters, the Location of a 201 (an object the caller made) and
 * the status URL of a 202 (an asynchronous request the caller started, e.g. a FHIR bulk export).
 * The same raw id under the same type gets the same token wherever it came from, so detectors can
 * join `GET /Patient/123` with `GET /Observation?patient=123`.
 */
export function extractObjects(
  ev: ApiEvent,
  route: RouteTemplate,
  tokenizer: Tokenizer,
  /** queryPairs(ev.query) when the caller already has it (normalize splits each query once). */
  pairs?: readonly (readonly [string, string])[],
): ExtractedObjects {
  // An event touches a handful of objects: a linear scan over parallel arrays finds duplicates
  // without a Map and a joined key string per object. Order is first-seen, as a Map's would be.
  // NOTE: past LINEAR_MAX objects (a long _id list) a keyed Set takes over, so a hostile query
  // cannot make the scan quadratic.
  const objects: ObjectRef[] = [];
  const rawIds: string[] = [];
  let seenKeys: Set<string> | undefined;
  const add = (type: string, rawId: string, via: ObjectRef['via'], created: boolean, token?: string): void => {
    if (seenKeys !== undefined) {
      const key = objectKey(type, rawId, via);
      if (seenKeys.has(key)) return;
      seenKeys.add(key);
    } else {
      for (let i = 0; i < objects.length; i++) {
        const seen = objects[i] as ObjectRef;
        if (rawIds[i] === rawId && seen.type === type && seen.via === via) return;
      }
      if (objects.length === LINEAR_MAX) {
        seenKeys = new Set(objects.map((o, i) => objectKey(o.type, rawIds[i] ?? '', o.via)));
        seenKeys.add(objectKey(type, rawId, via));
      }
    }
    const ref: ObjectRef = { type, id: token ?? tokenizer.token(type, rawId), via, created };
    // NOTE: seq carries the raw number in memory only, for sequential-walk detection.
    if (SEQ_RE.test(rawId)) {
      const n = Number(rawId);
      if (n <= Number.MAX_SAFE_INTEGER) ref.seq = n;
    }
    objects.push(ref);
    rawIds.push(rawId);
  };

  const pathTokenized = fromPath(ev.path, route, tokenizer, add);
  const queryKeys = ev.query === undefined || ev.query === '' ? [] : fromQuery(pairs ?? queryPairs(ev.query), route, add);
  if (ev.status === 201) fromLocation(ev.responseHeaders.location, add);
  else if (ev.status === 202) fromLocation(asyncStatusUrl(ev.responseHeaders), add);
  return { objects, pathTokenized, queryKeys };
}

/**
 * One string per (type, raw id, via). The type's length leads, so no type and id can spell another
 * pair's key (a NUL separator alone would join "a\0b" + "c" and "a" + "b\0c").
 */
export function objectKey(type: string, rawId: string, via: ObjectRef['via']): string {
  return `${type.length}:${type}\0${rawId}\0${via}`;
}

/** `token`: the caller's tokenizer.token(type, rawId), when it already has it. */
type Add = (type: string, rawId: string, via: ObjectRef['via'], created: boolean, token?: string) => void;

function fromPath(path: string, route: RouteTemplate, tokenizer: Tokenizer, add: Add): string {
  if (route.idSegments.length === 0) return path;
  const segments = path.split('/');
  // Same indexing as the templater: the leading empty segment is not counted.
  const offset = segments[0] === '' ? 1 : 0;
  const ids = route.idSegments;
  for (const i of ids) {
    const raw = segments[i + offset];
    if (raw === undefined || raw === '') continue;
    const rawId = safeDecode(raw);
    let typeIndex = i - 1;
    while (typeIndex >= 0 && ids.includes(typeIndex)) typeIndex--;
    const type = typeIndex >= 0 ? (segments[typeIndex + offset] ?? ROOT_TYPE) : ROOT_TYPE;
    if (type === '_history') {
      // A version id names a version of the object already recorded, not an object of its own;
      // it is still tokenized in the path so no raw value is stored.
      segments[i + offset] = tokenizer.token('_history', rawId);
      continue;
    }
    const token = tokenizer.token(type, rawId);
    segments[i + offset] = token;
    add(type, rawId, 'path', false, token);
  }
  return segments.join('/');
}

function fromQuery(pairs: readonly (readonly [string, string])[], route: RouteTemplate, add: Add): string[] {
  // A query has a few names: an array scanned for duplicates costs less than a Set and its copy.
  // NOTE: a long query (hostile or not) gets the Set, so the scan never turns quadratic.
  const keys: string[] = [];
  const seenNames = pairs.length > LINEAR_MAX ? new Set<string>() : undefined;
  let searchType: string | undefined;
  for (const [name, value] of pairs) {
    const key = isIdLike(name) ? '{id}' : name;
    if (seenNames === undefined) {
      if (!keys.includes(key)) keys.push(key);
    } else if (!seenNames.has(key)) {
      seenNames.add(key);
      keys.push(key);
    }
    // Modifiers narrow the target: subject:Patient=123. Chains (patient.name) are not ids.
    const colon = name.indexOf(':');
    const base = colon >= 0 ? name.slice(0, colon) : name;
    const modifierType = colon >= 0 ? name.slice(colon + 1) : undefined;
    if (base === '_id') {
      searchType ??= searchTypeOf(route.route);
      if (searchType === undefined) continue;
      for (const id of splitList(value)) add(searchType, id, 'query', false);
      continue;
    }
    if (!REFERENCE_PARAMS.has(base)) continue;
    const defaultType = modifierType !== undefined && /^[A-Z]/.test(modifierType) ? modifierType : REFERENCE_PARAMS.get(base);
    for (const item of splitList(value)) {
      const ref = parseReference(item);
      if (ref === undefined) continue;
      if (ref.type !== undefined) add(ref.type, ref.id, 'reference', false);
      else if (defaultType !== null && defaultType !== undefined) add(defaultType, ref.id, 'query', false);
    }
  }
  return keys.length <= LINEAR_MAX ? sortFew(keys) : keys.sort();
}

/**
 * Sorts a few strings in place as `Array.prototype.sort()` would (UTF-16 code units). NOTE: V8's
 * sort sets up a work array for any two or more elements: ~150 ns and ~400 bytes of garbage per
 * event for a two-name query, against ~10 ns here.
 */
function sortFew(keys: string[]): string[] {
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i] as string;
    let j = i - 1;
    for (; j >= 0 && (keys[j] as string) > k; j--) keys[j + 1] = keys[j] as string;
    keys[j + 1] = k;
  }
  return keys;
}

/** FHIR OR-lists are comma-separated (queryPairs has already percent-decoded them). */
function splitList(value: string): string[] {
  // Most values are one item: no split and filter arrays for them.
  if (!value.includes(',')) return value === '' ? [] : [value];
  return value.split(',').filter((v) => v !== '');
}

/** The resource type a search runs over: the last literal segment, e.g. /fhir/Observation/_search. */
function searchTypeOf(route: string): string | undefined {
  const segments = route.split('/');
  for (let i = segments.length - 1; i >= 0; i--) {
    const s = segments[i];
    if (s !== undefined && s !== '' && s !== '{id}' && !s.startsWith('_') && !s.startsWith('$')) return s;
  }
  return undefined;
}

/**
 * Where a 202 Accepted says the request's status and result will be: FHIR's asynchronous pattern
 * (bulk `$export`, `Prefer: respond-async`) names it in Content-Location; other APIs in Location or
 * Operation-Location. That URL is an object the caller made, like a 201's.
 */
function asyncStatusUrl(headers: Readonly<Record<string, string>>): string | undefined {
  return headers['content-location'] || headers.location || headers['operation-location'] || undefined;
}

function fromLocation(location: string | undefined, add: Add): void {
  if (location === undefined || location === '') return;
  const path = locationPath(location);
  if (path === undefined) return;
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.length >= 4 && parts[parts.length - 2] === '_history') parts.length -= 2;
  const id = parts[parts.length - 1];
  const type = parts[parts.length - 2];
  if (id === undefined || type === undefined) return;
  add(type, safeDecode(id), 'location', true);
}
