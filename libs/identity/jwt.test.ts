import { describe, expect, it } from 'vitest';
import { decodeJwtPayload, scopesOf } from './jwt.js';

const seg = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('decodeJwtPayload', () => {
  it('returns the payload of a three-part token without verifying it', () => {
    expect(decodeJwtPayload(`${seg({ alg: 'none' })}.${seg({ sub: 'a' })}.`)).toEqual({ sub: 'a' });
  });

  it.each([
    ['an opaque token', 'abcdef0123456789'],
    ['a JWE (five parts)', `${seg({ alg: 'RSA-OAEP' })}.a.b.c.d`],
    ['a payload that is not JSON', `${seg({ alg: 'none' })}.bm90IGpzb24.x`],
    ['a payload that is an array', `${seg({ alg: 'none' })}.${seg([1])}.x`],
    ['a header that is not base64url', `@@.${seg({ sub: 'a' })}.x`],
  ])('returns undefined for %s', (_label, token) => {
    expect(decodeJwtPayload(token)).toBeUndefined();
  });
});

describe('scopesOf', () => {
  it('merges space-separated scope and scp strings or arrays without duplicates', () => {
    expect(scopesOf({ scope: 'a  b', scp: ['b', 'c', 7] })).toEqual(['a', 'b', 'c']);
    expect(scopesOf({ scp: 'x y' })).toEqual(['x', 'y']);
    expect(scopesOf({})).toEqual([]);
  });
});
