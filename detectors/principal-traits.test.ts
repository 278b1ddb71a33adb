import { describe, expect, it } from 'vitest';
import { createTraitsMemo, principalTraits } from './principal-traits.js';

describe('principalTraits', () => {
  it('gives the cohort key (scopes sorted), the scope set in its own order and the access level', () => {
    expect(principalTraits({ app: 'app:1', scopes: ['user/Patient.read', 'openid'] })).toEqual({
      cohort: 'app:1|openid user/Patient.read',
      role: 'app:1|openid user/Patient.read',
      scopeSet: 'user/Patient.read openid',
      system: false,
      level: 'staff',
    });
    expect(principalTraits({ scopes: ['patient/*.read'] })).toEqual({ cohort: '-|patient/*.read', role: '-|patient/*.read', scopeSet: 'patient/*.read', system: false, level: 'patient' });
    expect(principalTraits({ app: 'svc', scopes: ['system/Patient.read'] })).toEqual({
      cohort: 'svc|system/Patient.read',
      role: 'svc|system/Patient.read',
      scopeSet: 'system/Patient.read',
      system: true,
      level: 'staff',
    });
    expect(principalTraits({ scopes: [] })).toEqual({ cohort: '-|', role: '-|', scopeSet: '', system: false, level: 'none' });
  });

  it('pools static API keys in one cohort and keeps their consumer as the role', () => {
    expect(principalTraits({ app: 'partner-1', scopes: [], authScheme: 'apikey' })).toMatchObject({ cohort: '-|', role: 'partner-1|' });
    expect(principalTraits({ app: 'portal', scopes: [], authScheme: 'bearer' })).toMatchObject({ cohort: 'portal|', role: 'portal|' });
  });

  it('counts only SMART system/ scopes as a backend', () => {
    expect(principalTraits({ scopes: ['system/not-a-smart-scope'] }).system).toBe(false);
  });
});

describe('createTraitsMemo', () => {
  it('returns the same record to every detector asking about one principal, and a new one when its scopes change', () => {
    const traits = createTraitsMemo(4);
    const p = { id: 'user:a', app: 'app:1', scopes: ['patient/*.read'] };
    const first = traits(p);
    expect(traits(p)).toBe(first);
    expect(traits({ ...p, scopes: ['patient/*.read', 'launch/patient'] })).toEqual({
      cohort: 'app:1|launch/patient patient/*.read',
      role: 'app:1|launch/patient patient/*.read',
      scopeSet: 'patient/*.read launch/patient',
      system: false,
      level: 'patient',
    });
  });
});
