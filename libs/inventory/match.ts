import { createBoundedCache } from '../cache/index.js';
import { fhirRequest, interactionName, type FhirDeclared } from './fhir-spec.js';
import type { DeclaredOperation, DeclaredSpec } from './spec.js';

/** What a declared surface says about one observed request shape. */
export interface Match {
  /** The template the route is filed under: the declared path (OpenAPI), the observed template (FHIR). */
  path: string;
  /** Methods declared on that path. */
  pathMethods: readonly string[];
  methodDeclared: boolean;
  operationId?: string;
  deprecated: boolean;
  /** Observed query parameter names the declared operation does not document. */
  undocumentedParams: readonly string[];
  /** FHIR interaction name (read, search-type, $everything, ...). */
  interaction?: string;
}

export interface Matcher {
  /** undefined: no declared path has this shape (a shadow route). */
  match(method: string, template: string, queryKeys: readonly string[]): Match | undefined;
}

/** Parameters every FHIR search and read accepts (R4 3.1.1.5 and 3.1.1.6), plus HAPI paging links. */
const FHIR_COMMON_PARAMS: ReadonlySet<string> = new Set([
  '_format', '_pretty', '_summary', '_elements', '_count', '_sort', '_include', '_revinclude', '_total', '_contained',
  '_containedType', '_id', '_lastUpdated', '_tag', '_profile', '_security', '_source', '_text', '_content', '_list',
  '_has', '_type', '_query', '_filter', '_getpages', '_getpagesoffset', '_bundletype', '_pageId', '_offset',
]);
const FHIR_READ_PARAMS: ReadonlySet<string> = new Set(['_format', '_pretty', '_summary', '_elements']);

const segmentsOf = (path: string): string[] => {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return trimmed.split('/').slice(1);
};

/** `name:exact` -> name, `subject.name` -> subject, `filter[status]` -> filter. */
export function baseParam(name: string): string {
  const cut = name.search(/[:.[]/);
  return cut > 0 ? name.slice(0, cut) : name;
}

interface PathEntry {
  path: string;
  segments: (string | RegExp | null)[];
  literals: number;
  ops: Map<string, DeclaredOperation>;
}

function compileSegment(s: string): string | RegExp | null {
  if (/^\{[^}]+\}$/.test(s)) return null;
  if (!s.includes('{')) return s;
  const escaped = s.split(/\{[^}]+\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('[^/]+')}$`);
}

function openApiMatcher(operations: readonly DeclaredOperation[]): Matcher {
  const byPath = new Map<string, PathEntry>();
  for (const op of operations) {
    let e = byPath.get(op.path);
    if (!e) {
      const segments = segmentsOf(op.path).map(compileSegment);
      e = { path: op.path, segments, literals: segments.filter((s) => typeof s === 'string').length, ops: new Map() };
      byPath.set(op.path, e);
    }
    e.ops.set(op.method, op);
  }
  const byLength = new Map<number, PathEntry[]>();
  for (const e of byPath.values()) byLength.set(e.segments.length, [...(byLength.get(e.segments.length) ?? []), e]);
  // Most literal segments first: /users/me beats /users/{id}.
  for (const list of byLength.values()) list.sort((x, y) => y.literals - x.literals || x.path.localeCompare(y.path));
  const cache = createBoundedCache<PathEntry | null>(10_000);

  function find(template: string): PathEntry | undefined {
    const hit = cache.get(template);
    if (hit !== undefined) return hit ?? undefined;
    const observed = segmentsOf(template);
    const found = (byLength.get(observed.length) ?? []).find((e) =>
      e.segments.every((s, i) => {
        const o = observed[i] as string;
        if (s === null) return o !== '';
        if (typeof s === 'string') return s === o;
        // A templated id matches a declared `{name}.json` segment; a literal must fit its pattern.
        return o === '{id}' || s.test(o);
      }),
    );
    cache.set(template, found ?? null);
    return found;
  }

  return {
    match(method, template, queryKeys) {
      const e = find(template);
      if (!e) return undefined;
      const op = e.ops.get(method) ?? (method === 'HEAD' ? e.ops.get('GET') : undefined);
      const documented = new Set(op?.queryParams ?? []);
      return {
        path: e.path,
        pathMethods: [...e.ops.keys()].sort(),
        methodDeclared: op !== undefined,
        ...(op?.operationId === undefined ? {} : { operationId: op.operationId }),
        deprecated: op?.deprecated ?? false,
        undocumentedParams: op === undefined ? [] : queryKeys.filter((k) => !documented.has(k) && !documented.has(baseParam(k))),
      };
    },
  };
}

const SEARCH_LIKE = new Set(['search-type', 'create', 'update', 'patch', 'delete']);

function fhirMatcher(f: FhirDeclared): Matcher {
  function split(template: string): { base: string; rest: string[] } | undefined {
    const segs = segmentsOf(template);
    if (f.basePath !== undefined) {
      const base = segmentsOf(f.basePath === '' ? '/' : f.basePath).filter((s) => s !== '');
      if (!base.every((s, i) => segs[i] === s)) return undefined;
      return { base: f.basePath, rest: segs.slice(base.length).filter((s, i, all) => s !== '' || i < all.length - 1) };
    }
    // No implementation.url: the base is what precedes the first FHIR-looking segment.
    const at = segs.findIndex((s) => f.types.has(s) || s.startsWith('$') || s === 'metadata' || s === '_history');
    if (at < 0) return undefined;
    return { base: segs.slice(0, at).map((s) => `/${s}`).join(''), rest: segs.slice(at) };
  }

  return {
    match(method, template, queryKeys) {
      const parts = split(template);
      if (!parts) return undefined;
      const req = fhirRequest(method, parts.rest, f.types);
      if (!req) return undefined;
      const decl = req.type === undefined ? undefined : f.types.get(req.type);
      if (req.type !== undefined && !decl) return undefined;
      let declaredHere: boolean;
      let documented: ReadonlySet<string> | 'any' = FHIR_READ_PARAMS;
      if (req.level === 'system') {
        declaredHere =
          req.interaction === 'capabilities' ||
          (req.operation !== undefined ? f.systemOperations.has(req.operation) : req.interaction === 'batch/transaction' ? f.systemInteractions.has('batch') || f.systemInteractions.has('transaction') : f.systemInteractions.has(req.interaction));
        // Paging links of a search (HAPI's /fhir?_getpages=...) follow a declared search.
        if (req.interaction === 'search-system' && queryKeys.includes('_getpages')) declaredHere = true;
        documented = req.operation !== undefined ? 'any' : new Set([...f.systemSearchParams, ...FHIR_COMMON_PARAMS]);
      } else if (req.interaction === 'search-compartment') {
        const target = f.types.get(req.target ?? '');
        declaredHere = target?.interactions.has('search-type') ?? false;
        documented = new Set([...(target?.searchParams ?? []), ...f.systemSearchParams, ...FHIR_COMMON_PARAMS]);
      } else if (req.operation !== undefined) {
        declaredHere = decl?.operations.has(req.operation) ?? false;
        // Operation parameters live in OperationDefinitions, which a CapabilityStatement only links.
        documented = 'any';
      } else {
        declaredHere = decl?.interactions.has(req.interaction) ?? false;
        if (SEARCH_LIKE.has(req.interaction)) documented = new Set([...(decl?.searchParams ?? []), ...f.systemSearchParams, ...FHIR_COMMON_PARAMS]);
      }
      const known = documented;
      return {
        path: template.length > 1 ? template.replace(/\/+$/, '') : template,
        pathMethods: declaredHere ? [method] : [],
        methodDeclared: declaredHere,
        deprecated: false,
        undocumentedParams: known === 'any' || !declaredHere ? [] : queryKeys.filter((k) => !known.has(k) && !known.has(baseParam(k))),
        interaction: interactionName(req),
      };
    },
  };
}

export function createMatcher(spec: DeclaredSpec): Matcher {
  if (spec.fhir) return fhirMatcher(spec.fhir);
  return openApiMatcher(spec.openapi?.operations ?? []);
}
