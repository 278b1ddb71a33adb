import { describe, expect, it } from 'vitest';
import { cohortKey } from './cohort.js';
import { createPrincipalMemo } from './principal-memo.js';
import { createPairKey, createRouteMemo } from './route-memo.js';

describe('createPrincipalMemo', () => {
  it('derives once per principal while its app and scopes stay the same', () => {
    let calls = 0;
    const memo = createPrincipalMemo(8, (p) => `${++calls}:${p.scopes.join(',')}`);
    expect(memo({ id: 'user:a', scopes: ['x', 'y'] })).toBe('1:x,y');
    expect(memo({ id: 'user:a', scopes: ['x', 'y'] })).toBe('1:x,y');
    expect(calls).toBe(1);
  });

  it('recomputes when the same principal arrives with other scopes or another app', () => {
    const keyOf = createPrincipalMemo(8, cohortKey);
    expect(keyOf({ id: 'user:a', app: 'app:1', scopes: ['b', 'a'] })).toBe('app:1|a b');
    expect(keyOf({ id: 'user:a', app: 'app:1', scopes: ['c'] })).toBe('app:1|c');
    expect(keyOf({ id: 'user:a', app: 'app:2', scopes: ['c'] })).toBe('app:2|c');
    expect(keyOf({ id: 'user:a', scopes: ['c'] })).toBe('-|c');
  });

  it('answers repeated questions about one principal from its last entry, and still from the map after another principal', () => {
    let calls = 0;
    const memo = createPrincipalMemo(8, (p) => `${++calls}:${p.app ?? '-'}:${p.scopes.join(',')}`);
    const a = { id: 'user:a', app: 'app:1', scopes: ['x'] };
    expect([memo(a), memo(a), memo({ ...a }), memo({ id: 'user:b', scopes: [] }), memo(a)]).toEqual(['1:app:1:x', '1:app:1:x', '1:app:1:x', '2:-:', '1:app:1:x']);
    expect(calls).toBe(2);
  });

  it('does not answer from the last entry when the same principal object changed its id, app or scopes in place', () => {
    let calls = 0;
    const memo = createPrincipalMemo(8, (p) => `${++calls}:${p.app ?? '-'}:${p.scopes.join(',')}`);
    const p: { id: string; app?: string; scopes: string[] } = { id: 'user:a', app: 'app:1', scopes: ['x'] };
    expect(memo(p)).toBe('1:app:1:x');
    p.scopes[0] = 'y';
    expect(memo(p)).toBe('2:app:1:y');
    p.app = 'app:2';
    expect(memo(p)).toBe('3:app:2:y');
    p.id = 'user:c';
    expect(memo(p)).toBe('4:app:2:y');
    expect(memo(p)).toBe('4:app:2:y');
  });

  it('is not fooled by a caller mutating the scopes array it passed', () => {
    const keyOf = createPrincipalMemo(8, cohortKey);
    const scopes = ['a'];
    expect(keyOf({ id: 'user:a', scopes })).toBe('-|a');
    scopes.push('b');
    expect(keyOf({ id: 'user:a', scopes })).toBe('-|a b');
  });
});

describe('createPairKey', () => {
  it('joins the two strings with a bar, the same way every time', () => {
    const keyOf = createPairKey(4);
    expect(keyOf('app|a b', 'POST /fhir/Appointment')).toBe('app|a b|POST /fhir/Appointment');
    expect(keyOf('app|a b', 'POST /fhir/Appointment')).toBe('app|a b|POST /fhir/Appointment');
    expect(keyOf('*', 'PUT /x')).toBe('*|PUT /x');
    expect(keyOf('app|a b', '*')).toBe('app|a b|*');
  });

  it('still answers past its bounds (more firsts than its capacity, more seconds than perA)', () => {
    const keyOf = createPairKey(2, 2);
    const got: string[] = [];
    for (const a of ['a', 'b', 'c', 'a']) for (const b of ['x', 'y', 'z']) got.push(keyOf(a, b));
    expect(got).toEqual(['a|x', 'a|y', 'a|z', 'b|x', 'b|y', 'b|z', 'c|x', 'c|y', 'c|z', 'a|x', 'a|y', 'a|z']);
  });
});

describe('createRouteMemo', () => {
  it('caches per route and method, undefined answers included', () => {
    const seen: string[] = [];
    const memo = createRouteMemo((method, route) => {
      seen.push(`${method} ${route}`);
      return method === 'DELETE' ? 'delete' : undefined;
    });
    expect(memo('GET', '/a')).toBeUndefined();
    expect(memo('GET', '/a')).toBeUndefined();
    expect(memo('DELETE', '/a')).toBe('delete');
    expect(memo('DELETE', '/a')).toBe('delete');
    expect(seen).toEqual(['GET /a', 'DELETE /a']);
  });
});
