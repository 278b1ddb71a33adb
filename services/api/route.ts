import type { Request } from 'express';
import { z } from 'zod';
import type { Role } from '../../libs/contracts/index.js';
import type { Authenticated } from '../../libs/auth/index.js';
import { VigilError } from '../../libs/errors/index.js';

/**
 * One row of the route table: what express mounts and what /openapi.json describes come from the
 * same object, so the running API and its description cannot drift apart.
 */

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** Lowest role a route accepts; `public` only for health checks. */
export type Access = Role | 'public';

export interface ResponseDoc {
  description: string;
  /** Absent for bodiless answers (204). */
  schema?: z.ZodType;
  /** Defaults to application/json. */
  contentType?: string;
}

export interface BodySpec<B extends z.ZodType> {
  /** Validates what the parser produced. */
  schema: B;
  /** `json`: express.json; `text`: the raw body as a string, whatever its type. */
  parser: 'json' | 'text';
  /** Documented request content types and their shapes. */
  content: Record<string, z.ZodType>;
}

export interface RouteSpec {
  method: Method;
  /** OpenAPI style, e.g. /v1/alerts/{id}; express's form is derived from it. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  access: Access;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: BodySpec<z.ZodType>;
  /** Success answers. Error answers (400/401/403/500) are derived from access and validation. */
  responses: Record<number, ResponseDoc>;
  /** Error statuses the handler itself produces, e.g. 404 or 413. */
  errors?: number[];
}

export type Reply =
  | { status: number; json: unknown }
  | { status: number; text: string; contentType: string }
  | { status: 204 }
  /** The handler wrote the answer itself on `req.res` (a stream: GET /v1/alerts/stream); nothing more is sent. */
  | { status: number; streamed: true };

export interface RawInput {
  params: unknown;
  query: unknown;
  body: unknown;
  auth: Authenticated | undefined;
  req: Request;
}

export interface Route {
  readonly spec: RouteSpec;
  /** Validates params, query and body, then runs the handler. */
  invoke(input: RawInput): Promise<Reply>;
}

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteDef<P extends z.ZodObject | undefined, Q extends z.ZodObject | undefined, B extends z.ZodType | undefined>
  extends Omit<RouteSpec, 'params' | 'query' | 'body'> {
  params?: P;
  query?: Q;
  body?: B extends z.ZodType ? BodySpec<B> : undefined;
  handler: (ctx: { params: Out<P>; query: Out<Q>; body: Out<B>; auth: Authenticated | undefined; req: Request }) => Promise<Reply> | Reply;
}

/** Where an input came from, for error messages: a bad body field and a bad query field can share a name. */
type Location = 'path' | 'query' | 'body';

function parseOrReject<S extends z.ZodType>(schema: S, value: unknown, where: Location): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), message: i.message }));
  const message = issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : `${where}: ${i.message}`)).join('; ');
  // NOTE: validation failures become VigilErrors here; a bare ZodError reaching the error handler
  // means our own data failed a schema, which is a 500, not the client's fault.
  throw new VigilError('bad_request', `invalid ${where}: ${message}`, { publicMessage: message, details: { issues } });
}

/**
 * Erases the schema types behind `invoke`, so routes of different shapes fit in one array while
 * each handler still sees its inputs typed from its own schemas.
 */
export function defineRoute<
  P extends z.ZodObject | undefined = undefined,
  Q extends z.ZodObject | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(def: RouteDef<P, Q, B>): Route {
  const { handler, ...spec } = def;
  return {
    spec,
    async invoke(input) {
      const params = (def.params ? parseOrReject(def.params, input.params, 'path') : undefined) as Out<P>;
      const query = (def.query ? parseOrReject(def.query, input.query, 'query') : undefined) as Out<Q>;
      const body = (def.body ? parseOrReject(def.body.schema, input.body, 'body') : undefined) as Out<B>;
      return handler({ params, query, body, auth: input.auth, req: input.req });
    },
  };
}

/** `{ schema, parser: 'json', content: { 'application/json': schema } }`. */
export function jsonBody<B extends z.ZodType>(schema: B): BodySpec<B> {
  return { schema, parser: 'json', content: { 'application/json': schema } };
}

/** /v1/alerts/{id} → /v1/alerts/:id */
export function expressPath(openApiPath: string): string {
  return openApiPath.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, ':$1');
}
