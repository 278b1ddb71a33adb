import type { DeclaredOperation } from './spec.js';

export interface OpenApiDeclared {
  /** Server base paths ('' when servers are absent or at the root), e.g. ['/api']. */
  basePaths: readonly string[];
  operations: readonly DeclaredOperation[];
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The path of a server URL ("https://api.x.org/fhir/r4", "/api", "{scheme}://h/{base}") without a trailing slash. */
export function serverBasePath(url: string, variables: unknown): string {
  let u = url.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const v = isObj(variables) ? variables[name] : undefined;
    return isObj(v) && typeof v.default === 'string' ? v.default : '';
  });
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(u);
  if (scheme) u = u.slice(scheme[0].length);
  const q = u.search(/[?#]/);
  if (q >= 0) u = u.slice(0, q);
  if (!u.startsWith('/')) u = `/${u}`;
  return u.replace(/\/+$/, '');
}

/** Resolves a local `$ref` (#/components/parameters/x); anything else is returned as is. */
function deref(doc: Obj, v: unknown): unknown {
  for (let hops = 0; hops < 10 && isObj(v) && typeof v.$ref === 'string'; hops++) {
    const ref = v.$ref;
    if (!ref.startsWith('#/')) return v;
    let cur: unknown = doc;
    for (const part of ref.slice(2).split('/')) cur = isObj(cur) ? cur[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
    v = cur;
  }
  return v;
}

function queryParams(doc: Obj, lists: unknown[]): string[] {
  const names = new Set<string>();
  for (const list of lists) {
    if (!Array.isArray(list)) continue;
    for (const raw of list) {
      const p = deref(doc, raw);
      if (isObj(p) && p.in === 'query' && typeof p.name === 'string') names.add(p.name);
    }
  }
  return [...names].sort();
}

/** The operations of an OpenAPI 3.0/3.1 document, each path prefixed with every server base path. */
export function fromOpenApi(doc: Obj, bad: (m: string) => Error): OpenApiDeclared {
  if (!isObj(doc.paths)) throw bad('OpenAPI document has no "paths" object');
  const servers = Array.isArray(doc.servers) ? doc.servers.filter(isObj) : [];
  const bases = [...new Set(servers.filter((s) => typeof s.url === 'string').map((s) => serverBasePath(s.url as string, s.variables)))];
  const basePaths = bases.length === 0 ? [''] : bases;
  const operations: DeclaredOperation[] = [];
  for (const [path, rawItem] of Object.entries(doc.paths)) {
    if (!path.startsWith('/')) throw bad(`OpenAPI path must start with "/": ${path}`);
    const item = deref(doc, rawItem);
    if (!isObj(item)) continue;
    for (const m of METHODS) {
      const op = item[m];
      if (!isObj(op)) continue;
      const params = queryParams(doc, [item.parameters, op.parameters]);
      for (const base of basePaths) {
        operations.push({
          method: m.toUpperCase(),
          path: base + (path === '/' && base !== '' ? '' : path),
          ...(typeof op.operationId === 'string' ? { operationId: op.operationId } : {}),
          deprecated: op.deprecated === true,
          queryParams: params,
        });
      }
    }
  }
  return { basePaths, operations };
}
