import { z } from 'zod';
import { ROLE_RANK } from '../../libs/contracts/index.js';
import type { Route, RouteSpec } from './route.js';
import { NAMED_SCHEMAS } from './schemas.js';

type JsonSchema = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, JsonSchema>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, JsonSchema> };
  security: Record<string, string[]>[];
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid path, query or body; `issues` names each bad field.',
  401: 'Missing, malformed, unknown or revoked API key.',
  403: "The key's role is too low for this route.",
  404: 'Not found.',
  413: 'Body larger than the configured limit.',
  429: 'Rate limit exceeded (per API key, or per IP for failed authentication); `Retry-After` gives the seconds to wait.',
  500: 'Internal error; details are in the server log, never in the answer.',
};

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

/** OpenAPI 3.1 schemas are JSON Schema 2020-12; the per-document keywords do not belong inside. */
function strip(schema: JsonSchema): JsonSchema {
  const { $schema: _s, $id: _i, ...rest } = schema;
  return rest;
}

/**
 * Builds the OpenAPI 3.1 document from the route table. Called once per app: the routes and the
 * schemas are fixed at start-up.
 */
export function buildOpenApi(routes: readonly Route[], info: { title: string; version: string }): OpenApiDocument {
  // A registry per build, not zod's global one: nothing another module registers can leak in.
  const registry = z.registry<{ id: string }>();
  const nameOf = new Map<z.ZodType, string>();
  for (const [name, schema] of Object.entries(NAMED_SCHEMAS)) {
    registry.add(schema, { id: name });
    nameOf.set(schema, name);
  }
  const uri = (id: string): string => `#/components/schemas/${id}`;
  // Request bodies are documented as clients send them (before defaults and coercion), answers as
  // the server produces them.
  const asOutput = z.toJSONSchema(registry, { uri, io: 'output', unrepresentable: 'any' }).schemas;
  const asInput = z.toJSONSchema(registry, { uri, io: 'input', unrepresentable: 'any' }).schemas;
  const requestNames = new Set(
    routes.flatMap((r) => Object.values(r.spec.body?.content ?? {}).flatMap((s) => nameOf.get(s) ?? [])),
  );
  const schemas: Record<string, JsonSchema> = {};
  for (const name of Object.keys(NAMED_SCHEMAS)) {
    const s = (requestNames.has(name) ? asInput : asOutput)[name];
    if (s) schemas[name] = strip(s);
  }

  // Unnamed schemas are inlined; an empty registry keeps their sub-schemas inline too.
  const inline = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
    const name = nameOf.get(schema);
    if (name) return ref(name);
    return strip(z.toJSONSchema(schema, { io, unrepresentable: 'any', metadata: z.registry() }));
  };

  const paths: OpenApiDocument['paths'] = {};
  for (const { spec } of routes) {
    const item = (paths[spec.path] ??= {});
    item[spec.method] = operation(spec, inline);
  }

  return {
    openapi: '3.1.0',
    info: {
      ...info,
      description:
        'Vigil: passive API abuse detection for healthcare APIs. Every route but /healthz and /readyz needs ' +
        '`Authorization: Bearer <api key>`. Roles: viewer < analyst < admin.',
    },
    paths,
    components: {
      schemas,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A Vigil API key (vgl_...).' } },
    },
    security: [{ bearer: [] }],
  };
}

function parameters(spec: RouteSpec, inline: (s: z.ZodType, io: 'input') => JsonSchema): JsonSchema[] {
  const out: JsonSchema[] = [];
  for (const [where, schema] of [['path', spec.params], ['query', spec.query]] as const) {
    if (!schema) continue;
    const js = inline(schema, 'input');
    const props = (js.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((js.required ?? []) as string[]);
    for (const [name, s] of Object.entries(props)) {
      // Path parameters are always required in OpenAPI, whatever the schema says.
      out.push({ name, in: where, required: where === 'path' || required.has(name), schema: s });
    }
  }
  return out;
}

function operation(spec: RouteSpec, inline: (s: z.ZodType, io: 'input' | 'output') => JsonSchema): JsonSchema {
  const responses: Record<string, JsonSchema> = {};
  for (const [status, doc] of Object.entries(spec.responses)) {
    responses[status] = doc.schema
      ? { description: doc.description, content: { [doc.contentType ?? 'application/json']: { schema: inline(doc.schema, 'output') } } }
      : { description: doc.description };
  }
  const errors = new Set<number>([500, ...(spec.errors ?? [])]);
  if (spec.params || spec.query || spec.body) errors.add(400);
  if (spec.access !== 'public') errors.add(401);
  if (spec.access !== 'public') errors.add(429);
  if (spec.access !== 'public' && ROLE_RANK[spec.access] > ROLE_RANK.viewer) errors.add(403);
  for (const status of [...errors].sort((a, b) => a - b)) {
    responses[String(status)] = {
      description: ERROR_DESCRIPTIONS[status] ?? 'Error.',
      content: { 'application/json': { schema: ref('Error') } },
    };
  }

  const op: JsonSchema = {
    operationId: spec.operationId,
    summary: spec.summary,
    tags: [spec.tag],
    // Stated on every operation, so a reader never has to fall back to the document default.
    security: spec.access === 'public' ? [] : [{ bearer: [] }],
    'x-vigil-role': spec.access,
    responses,
  };
  if (spec.description) op.description = spec.description;
  const params = parameters(spec, inline);
  if (params.length > 0) op.parameters = params;
  if (spec.body) {
    const content: Record<string, JsonSchema> = {};
    for (const [type, schema] of Object.entries(spec.body.content)) content[type] = { schema: inline(schema, 'input') };
    op.requestBody = { required: true, content };
  }
  return op;
}
