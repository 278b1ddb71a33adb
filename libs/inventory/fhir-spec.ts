import { FHIR_RESOURCE_TYPES } from '../routes/index.js';
import { serverBasePath } from './openapi-spec.js';

/** What one resource type of a CapabilityStatement declares. */
export interface FhirTypeDecl {
  interactions: ReadonlySet<string>;
  searchParams: ReadonlySet<string>;
  /** Operation names without the leading `$`. */
  operations: ReadonlySet<string>;
}

export interface FhirDeclared {
  /** From implementation.url; undefined: inferred per request (the prefix before the resource type). */
  basePath: string | undefined;
  types: ReadonlyMap<string, FhirTypeDecl>;
  systemInteractions: ReadonlySet<string>;
  systemOperations: ReadonlySet<string>;
  systemSearchParams: ReadonlySet<string>;
  operationCount: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const names = (v: unknown, key: string): Set<string> =>
  new Set(arr(v).flatMap((x) => (typeof x[key] === 'string' ? [x[key].replace(/^\$/, '')] : [])));

/** The server side (`rest.mode = server`) of a CapabilityStatement: types, interactions, search params, operations. */
export function fromCapabilityStatement(doc: Obj, bad: (m: string) => Error): FhirDeclared {
  const rests = arr(doc.rest);
  const rest = rests.find((r) => r.mode === 'server') ?? rests[0];
  if (rest === undefined) throw bad('CapabilityStatement has no rest entry');
  const types = new Map<string, FhirTypeDecl>();
  let operationCount = 0;
  for (const r of arr(rest.resource)) {
    if (typeof r.type !== 'string') continue;
    const decl: FhirTypeDecl = { interactions: names(r.interaction, 'code'), searchParams: names(r.searchParam, 'name'), operations: names(r.operation, 'name') };
    operationCount += decl.interactions.size + decl.operations.size;
    types.set(r.type, decl);
  }
  const systemInteractions = names(rest.interaction, 'code');
  const systemOperations = names(rest.operation, 'name');
  operationCount += systemInteractions.size + systemOperations.size;
  const impl = isObj(doc.implementation) ? doc.implementation : undefined;
  const basePath = impl && typeof impl.url === 'string' ? serverBasePath(impl.url, undefined) : undefined;
  return { basePath, types, systemInteractions, systemOperations, systemSearchParams: names(rest.searchParam, 'name'), operationCount };
}

/** A request as FHIR REST sees it, from the route template after the base path. */
export interface FhirRequest {
  /** read, vread, update, patch, delete, history-instance, history-type, history-system, create, search-type, search-system, capabilities, batch/transaction, search-compartment, operation */
  interaction: string;
  level: 'system' | 'type' | 'instance';
  type?: string;
  /** For compartment searches: the type searched. */
  target?: string;
  /** Operation name without `$`. */
  operation?: string;
}

const isId = (s: string | undefined): boolean => s === '{id}' || (s !== undefined && /^\{[^}]+\}$/.test(s));
const isType = (s: string | undefined, declared: ReadonlyMap<string, FhirTypeDecl>): s is string => s !== undefined && (declared.has(s) || FHIR_RESOURCE_TYPES.has(s));

/** Classifies `method` on route segments after the FHIR base (e.g. ['Patient', '{id}', '_history', '{id}']). */
export function fhirRequest(method: string, rest: readonly string[], declared: ReadonlyMap<string, FhirTypeDecl> = new Map()): FhirRequest | undefined {
  const [a, b, c, d] = rest;
  const n = rest.length;
  if (n === 0) return method === 'POST' ? { interaction: 'batch/transaction', level: 'system' } : method === 'GET' ? { interaction: 'search-system', level: 'system' } : undefined;
  if (a === 'metadata' && n === 1) return method === 'GET' ? { interaction: 'capabilities', level: 'system' } : undefined;
  if (a === '_history' && n === 1) return { interaction: 'history-system', level: 'system' };
  if (a?.startsWith('$') && n === 1) return { interaction: 'operation', level: 'system', operation: a.slice(1) };
  if (!isType(a, declared)) return undefined;
  const type = a;
  if (n === 1) {
    if (method === 'GET') return { interaction: 'search-type', level: 'type', type };
    if (method === 'POST') return { interaction: 'create', level: 'type', type };
    // Conditional update / patch / delete address the type with search parameters.
    if (method === 'PUT') return { interaction: 'update', level: 'type', type };
    if (method === 'PATCH') return { interaction: 'patch', level: 'type', type };
    if (method === 'DELETE') return { interaction: 'delete', level: 'type', type };
    return undefined;
  }
  if (n === 2 && b === '_search') return { interaction: 'search-type', level: 'type', type };
  if (n === 2 && b === '_history') return { interaction: 'history-type', level: 'type', type };
  if (n === 2 && b?.startsWith('$')) return { interaction: 'operation', level: 'type', type, operation: b.slice(1) };
  if (!isId(b)) return undefined;
  if (n === 2) {
    const byMethod: Record<string, string> = { GET: 'read', HEAD: 'read', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
    const interaction = byMethod[method];
    return interaction === undefined ? undefined : { interaction, level: 'instance', type };
  }
  if (n === 3 && c === '_history') return { interaction: 'history-instance', level: 'instance', type };
  if (n === 4 && c === '_history' && isId(d)) return { interaction: 'vread', level: 'instance', type };
  if (n === 3 && c?.startsWith('$')) return { interaction: 'operation', level: 'instance', type, operation: c.slice(1) };
  if (n === 3 && isType(c, declared)) return { interaction: 'search-compartment', level: 'instance', type, target: c };
  return undefined;
}

/** Display name of a FHIR request: `read`, `$everything`. */
export function interactionName(r: FhirRequest): string {
  return r.operation === undefined ? r.interaction : `$${r.operation}`;
}
