import { describe, expect, it } from 'vitest';
import { decodeJwtPayload, MAX_ROLES, rolesOf, scopesOf } from './jwt.js';

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

describe('rolesOf', () => {
  it("reads Keycloak realm roles and the token's own client roles, not another client's", () => {
    const claims = {
      realm_access: { roles: ['default-roles-acme', 'clinic-admin'] },
      resource_access: { 'pc-web': { roles: ['billing'] }, account: { roles: ['manage-account'] } },
    };
    expect(rolesOf(claims, 'pc-web')).toEqual(['role:billing', 'role:clinic-admin', 'role:default-roles-acme']);
    expect(rolesOf(claims, undefined)).toEqual(['role:clinic-admin', 'role:default-roles-acme']);
  });

  it('reads Entra ID app roles, a space-separated roles string and Cognito groups, deduplicated and sorted', () => {
    expect(rolesOf({ roles: ['Nurse', 'Nurse', 7] }, 'x')).toEqual(['role:Nurse']);
    expect(rolesOf({ roles: 'b a', 'cognito:groups': ['a', 'c'] }, 'x')).toEqual(['role:a', 'role:b', 'role:c']);
    expect(rolesOf({ role: 'admin', 'https://acme.example/roles': ['billing'], 'https://acme.example/tenant': 't1' }, 'x')).toEqual(['role:admin', 'role:billing']);
  });

  it('leaves out directory groups, and a role list too long to be a role set', () => {
    expect(rolesOf({ groups: ['g1', 'g2'] }, 'x')).toEqual([]);
    expect(rolesOf({ roles: Array.from({ length: MAX_ROLES }, (_, i) => `r${i}`) }, 'x')).toHaveLength(MAX_ROLES);
    expect(rolesOf({ roles: Array.from({ length: MAX_ROLES + 1 }, (_, i) => `r${i}`) }, 'x')).toEqual([]);
  });
});
