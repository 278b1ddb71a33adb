import { describe, expect, it } from 'vitest';
import { parseReference } from './reference.js';

describe('parseReference', () => {
  it.each([
    ['123', { id: '123' }],
    ['Patient/123', { type: 'Patient', id: '123' }],
    ['https://h/fhir/Patient/123', { type: 'Patient', id: '123' }],
    ['Patient/123/_history/4', { type: 'Patient', id: '123' }],
    ['https://h/fhir/Practitioner/9?x=1', { type: 'Practitioner', id: '9' }],
  ])('%s', (value, expected) => {
    expect(parseReference(value)).toEqual(expected);
  });

  it.each(['', 'patients/123', 'Patient/$everything', 'Patient/'])('rejects %j', (value) => {
    expect(parseReference(value)).toBeUndefined();
  });
});
