import { describe, expect, it } from 'vitest';
import { accessLevel, isSmartScope, parseSmartScope } from './smart-scopes.js';

describe('SMART scopes', () => {
  it('reads v1 and v2 scopes into interactions', () => {
    const of = (s: string) => {
      const p = parseSmartScope(s);
      return p === undefined ? undefined : [p.context, p.type, [...p.interactions].join('')];
    };
    expect(of('patient/Observation.read')).toEqual(['patient', 'Observation', 'rs']);
    expect(of('user/*.write')).toEqual(['user', '*', 'cud']);
    expect(of('system/*.*')).toEqual(['system', '*', 'cruds']);
    expect(of('patient/Observation.rs')).toEqual(['patient', 'Observation', 'rs']);
    expect(of('user/Encounter.cruds?status=finished')).toEqual(['user', 'Encounter', 'cruds']);
  });

  it('rejects what is not a SMART resource scope', () => {
    for (const s of ['openid', 'fhirUser', 'launch/patient', 'patient/Observation.', 'patient/Observation.sr', 'clinic/Observation.read', 'patient/observation.read']) {
      expect(parseSmartScope(s)).toBeUndefined();
    }
  });

  it('tells patient-level credentials from staff ones', () => {
    expect(accessLevel(['launch/patient', 'patient/*.read'])).toBe('patient');
    expect(accessLevel(['patient/*.read', 'user/Practitioner.read'])).toBe('staff');
    expect(accessLevel(['system/*.rs'])).toBe('staff');
    expect(accessLevel(['openid', 'profile'])).toBe('none');
    expect(accessLevel([])).toBe('none');
  });

  it('tells a SMART resource scope without parsing it, exactly as parseSmartScope does', () => {
    const cases = [
      'patient/Observation.read', 'user/*.write', 'system/*.*', 'patient/Observation.rs', 'user/Encounter.cruds?status=finished',
      'patient/Observation.', 'patient/Observation.?x=1', 'patient/*.', 'patient/Observation.sr', 'patient/Observation.rx',
      'patient/Observation.read?', 'patient/Observation.c', 'openid', 'launch/patient', 'clinic/Observation.read',
      'patient/observation.read', 'patient/Obs.erv.read', 'user/Patient.rs?a.b=c', 'system/.read', '',
    ];
    expect(cases.map(isSmartScope)).toEqual(cases.map((c) => parseSmartScope(c) !== undefined));
    expect(cases.filter(isSmartScope)).toEqual([
      'patient/Observation.read', 'user/*.write', 'system/*.*', 'patient/Observation.rs', 'user/Encounter.cruds?status=finished',
      'patient/Observation.read?', 'patient/Observation.c', 'user/Patient.rs?a.b=c',
    ]);
  });
});
