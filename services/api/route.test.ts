import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { VigilError } from '../../libs/errors/index.js';
import { defineRoute, expressPath, jsonBody } from './route.js';

const route = defineRoute({
  method: 'post',
  path: '/v1/things/{id}',
  operationId: 'postThing',
  summary: 'test route',
  tag: 'test',
  access: 'analyst',
  params: z.object({ id: z.string().max(3) }),
  query: z.object({ n: z.coerce.number().int().default(7) }),
  body: jsonBody(z.object({ a: z.string() }).strict()),
  responses: { 200: { description: 'ok' } },
  handler: ({ params, query, body }) => ({ status: 200, json: { id: params.id, n: query.n, a: body.a } }),
});

const input = (over: Partial<{ params: unknown; query: unknown; body: unknown }>) => ({
  params: { id: 'abc' },
  query: {},
  body: { a: 'x' },
  auth: undefined,
  req: {} as Request,
  ...over,
});

async function rejection(p: Promise<unknown>): Promise<VigilError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof VigilError)) throw new Error('expected a VigilError');
  return e;
}

describe('defineRoute', () => {
  it('hands the handler parsed, defaulted and coerced inputs', async () => {
    expect(await route.invoke(input({ query: { n: '42' } }))).toEqual({ status: 200, json: { id: 'abc', n: 42, a: 'x' } });
    expect(await route.invoke(input({}))).toEqual({ status: 200, json: { id: 'abc', n: 7, a: 'x' } });
  });

  it('turns a bad field into bad_request naming the field, and a whole-body problem naming the body', async () => {
    const bad = await rejection(route.invoke(input({ params: { id: 'abcd' } })));
    expect([bad.code, bad.publicMessage]).toEqual(['bad_request', 'id: Too big: expected string to have <=3 characters']);
    expect(bad.details).toEqual({ issues: [{ path: ['id'], message: 'Too big: expected string to have <=3 characters' }] });

    const extra = await rejection(route.invoke(input({ body: { a: 'x', b: 1 } })));
    expect(extra.publicMessage).toBe('body: Unrecognized key: "b"');
  });

  it('keeps the table row as the spec, without the handler', () => {
    expect(Object.keys(route.spec)).not.toContain('handler');
    expect([route.spec.method, route.spec.path, route.spec.access]).toEqual(['post', '/v1/things/{id}', 'analyst']);
  });
});

describe('expressPath', () => {
  it('turns OpenAPI path templates into express parameters', () => {
    expect(expressPath('/v1/principals/{principal}')).toBe('/v1/principals/:principal');
    expect(expressPath('/v1/a/{id}/b/{other_id}')).toBe('/v1/a/:id/b/:other_id');
    expect(expressPath('/healthz')).toBe('/healthz');
  });
});
