import { describe, expect, it } from 'vitest';
import { createRouteTemplater } from './templater.js';

describe('createRouteTemplater: segments judged on sight', () => {
  it.each([
    ['/fhir/Patient/10234', '/fhir/Patient/{id}', [2]],
    ['/fhir/Patient', '/fhir/Patient', []],
    ['/fhir/Patient/example', '/fhir/Patient/{id}', [2]],
    ['/fhir/Patient/pat-0001', '/fhir/Patient/{id}', [2]],
    ['/fhir/Patient/123/$everything', '/fhir/Patient/{id}/$everything', [2]],
    ['/fhir/Patient/$export', '/fhir/Patient/$export', []],
    ['/fhir/$export', '/fhir/$export', []],
    ['/fhir/Observation/_search', '/fhir/Observation/_search', []],
    ['/fhir/Patient/123/_history/2', '/fhir/Patient/{id}/_history/{id}', [2, 4]],
    ['/fhir/Patient/123/_history', '/fhir/Patient/{id}/_history', [2]],
    ['/fhir/Patient/123/Observation', '/fhir/Patient/{id}/Observation', [2]],
    ['/fhir/R4/metadata', '/fhir/R4/metadata', []],
    ['/api/v1/users/42/orders/7', '/api/v1/users/{id}/orders/{id}', [3, 5]],
    ['/api/v2/users/me', '/api/v2/users/me', []],
    ['/api/v2/users/42', '/api/v2/users/{id}', [3]],
    ['/docs/3f2b8c1e-9a4d-4e2b-8f6a-1c2d3e4f5a6b', '/docs/{id}', [1]],
    ['/blobs/5d41402abc4b2a76b9719d911017c592', '/blobs/{id}', [1]],
    ['/links/aGVsbG8td29ybGQtMTIzNDU2Nzg5MA', '/links/{id}', [1]],
    ['/users/alice%40example.com/settings', '/users/{id}/settings', [1]],
    ['/users/bob@example.org', '/users/{id}', [1]],
    ['/oauth2/token', '/oauth2/token', []],
    ['/Account/Login', '/Account/Login', []],
    ['/', '/', []],
    ['/api/users/', '/api/users/', []],
    // Inside a FHIR base, whatever follows a resource type is its id (R4 examples).
    ['/fhir/StructureDefinition/Patient', '/fhir/StructureDefinition/{id}', [2]],
    ['/fhir/StructureDefinition/BackboneElement', '/fhir/StructureDefinition/{id}', [2]],
    ['/fhir/ClaimResponse/R3500', '/fhir/ClaimResponse/{id}', [2]],
    ['/fhir/ImplementationGuide/fhir/_history/1', '/fhir/ImplementationGuide/{id}/_history/{id}', [2, 4]],
    ['/baseR4/Patient/f001', '/baseR4/Patient/{id}', [2]],
    ['/fhir/R4/Patient/$everything', '/fhir/R4/Patient/$everything', []],
    ['/fhir/Patient/_search', '/fhir/Patient/_search', []],
    ['/fhir/metadata', '/fhir/metadata', []],
    // Outside one, MVC controllers named like FHIR types keep their actions.
    ['/Account/Patient', '/Account/Patient', []],
    ['/reports/2026-03-01', '/reports/{id}', [1]],
  ])('%s -> %s', (path, route, idSegments) => {
    expect(createRouteTemplater().template('svc', path)).toEqual({ route, idSegments });
  });
});

describe('createRouteTemplater: learned high-cardinality positions', () => {
  const names = Array.from({ length: 30 }, (_, i) => `user-${String.fromCharCode(97 + (i % 26))}${'x'.repeat(Math.floor(i / 26))}`);

  it('keeps words literal until a position exceeds the threshold, then templates it as {id}', () => {
    const t = createRouteTemplater();
    const routes = names.map((n) => t.template('portal', `/profiles/${n}`).route);
    expect(routes.slice(0, 25)).toEqual(names.slice(0, 25).map((n) => `/profiles/${n}`));
    expect(routes.slice(25)).toEqual(Array(5).fill('/profiles/{id}'));
    // Earlier paths change template once the position is learned.
    expect(t.template('portal', `/profiles/${names[0]}`)).toEqual({ route: '/profiles/{id}', idSegments: [1] });
    expect(t.template('portal', `/profiles/${names[0]}/posts`)).toEqual({ route: '/profiles/{id}/posts', idSegments: [1] });
  });

  it('keeps low-cardinality siblings literal next to a learned position', () => {
    const t = createRouteTemplater();
    for (const n of names) t.template('portal', `/profiles/${n}`);
    for (const s of ['general', 'privacy', 'security']) {
      expect(t.template('portal', `/settings/${s}`)).toEqual({ route: `/settings/${s}`, idSegments: [] });
    }
  });

  it('keeps known words literal at a learned position so /profiles/me stays its own endpoint', () => {
    const t = createRouteTemplater();
    for (const n of names) t.template('portal', `/profiles/${n}`);
    expect(t.template('portal', '/profiles/me').route).toBe('/profiles/me');
  });

  it('learns per scope: another service does not inherit the learned position', () => {
    const t = createRouteTemplater();
    for (const n of names) t.template('portal', `/profiles/${n}`);
    expect(t.template('billing', '/profiles/zed').route).toBe('/profiles/zed');
  });

  it('never learns the first segment, so scanners cannot collapse top-level routes', () => {
    const t = createRouteTemplater();
    for (const n of names) t.template('svc', `/${n}`);
    expect(t.template('svc', '/fhir').route).toBe('/fhir');
    expect(t.template('svc', `/${names[29]}`).route).toBe(`/${names[29]}`);
  });

  it('learns nested positions under the learned parent template', () => {
    const t = createRouteTemplater({ highCardinalityThreshold: 3 });
    for (const n of ['ann', 'ben', 'cat', 'dan']) t.template('svc', `/teams/${n}`);
    for (const r of ['red', 'green', 'blue', 'pink']) t.template('svc', `/teams/ann/repos/${r}`);
    expect(t.template('svc', '/teams/eve/repos/teal')).toEqual({ route: '/teams/{id}/repos/{id}', idSegments: [1, 3] });
  });

  it('gives the same templates with the cache disabled', () => {
    const cached = createRouteTemplater();
    const uncached = createRouteTemplater({ cacheSize: 0 });
    const paths = [...names.map((n) => `/profiles/${n}`), `/profiles/${names[0]}`, '/fhir/Patient/1', '/fhir/Patient/1'];
    expect(paths.map((p) => cached.template('s', p))).toEqual(paths.map((p) => uncached.template('s', p)));
  });

  it('caches by scope and path as a pair, so a NUL in a service name cannot serve another pair its template', () => {
    const t = createRouteTemplater();
    // Joined with a NUL separator, both pairs would spell the key "a\0b\0/x".
    expect(t.template('a\0b', '/x')).toEqual({ route: '/x', idSegments: [] });
    expect(t.template('a', 'b\0/x')).toEqual({ route: '/b\0/x', idSegments: [] });
  });

  it('keeps learned positions apart for scopes and prefixes a separator alone would confuse', () => {
    const t = createRouteTemplater({ highCardinalityThreshold: 3 });
    for (const n of ['ann', 'ben', 'cat', 'dan']) t.template('p', `/q\0/r/${n}`);
    expect(t.template('p', '/q\0/r/eve').route).toBe('/q\0/r/{id}');
    // Scope "p\0/q" at prefix "/r" and scope "p" at prefix "/q\0/r" are different positions.
    expect(t.template('p\0/q', '/r/eve').route).toBe('/r/eve');
  });

  it('forgets the oldest tracked position beyond maxTrackedPositions instead of growing', () => {
    const t = createRouteTemplater({ highCardinalityThreshold: 2, maxTrackedPositions: 2 });
    t.template('svc', '/a/one');
    t.template('svc', '/a/two');
    t.template('svc', '/b/one');
    t.template('svc', '/c/one'); // the tracker for /a is now the least recently seen: forgotten
    // Without eviction this third distinct value would exceed the threshold and become {id}.
    expect(t.template('svc', '/a/three').route).toBe('/a/three');
  });
});

describe('createRouteTemplater: one template object per template', () => {
  it('gives paths that differ by their ids the very same template, across scopes too', () => {
    const t = createRouteTemplater();
    const first = t.template('ehr', '/fhir/Patient/1');
    expect(t.template('ehr', '/fhir/Patient/2')).toBe(first);
    expect(t.template('portal', '/fhir/Patient/3')).toBe(first);
    expect(first).toEqual({ route: '/fhir/Patient/{id}', idSegments: [2] });
  });

  it('keeps a literal "{id}" segment apart from an id at the same place', () => {
    const t = createRouteTemplater();
    const literal = t.template('s', '/orders/{id}');
    const id = t.template('s', '/orders/123');
    expect([literal, id]).toEqual([
      { route: '/orders/{id}', idSegments: [] },
      { route: '/orders/{id}', idSegments: [1] },
    ]);
    expect(t.template('s', '/orders/456')).toBe(id);
  });
});
