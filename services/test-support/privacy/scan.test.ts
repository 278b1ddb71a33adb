import { describe, expect, it } from 'vitest';
import { findRawValues } from './scan.js';

const id = [{ label: 'patient id', value: '7300243' }];

function whereFound(text: string): string[] {
  return findRawValues(id, [{ where: 'here', text }]).map((h) => h.excerpt);
}

describe('findRawValues', () => {
  it('finds a raw id standing alone, in a path, quoted, URL-encoded or JSON-escaped', () => {
    expect(whereFound('GET /fhir/Patient/7300243 200')).toEqual(['GET /fhir/Patient/7300243 200']);
    expect(whereFound('{"patient":"7300243"}')).toEqual(['{"patient":"7300243"}']);
    expect(whereFound('uri=%2Ffhir%2FPatient%2F7300243&x=1')).toEqual(['uri=%2Ffhir%2FPatient%2F7300243&x=1']);
    expect(whereFound('subject=Patient\\/7300243')).toEqual(['subject=Patient\\/7300243']);
  });

  it('ignores the digits turning up inside a longer run (a float, a hash), but not a later real leak', () => {
    expect(whereFound('nodejs_gc_duration_seconds_sum{kind="minor"} 0.015946473002433778')).toEqual([]);
    expect(whereFound('sha=ab7300243cd')).toEqual([]);
    expect(whereFound('0.15947300243 then /Patient/7300243')).toEqual(['0.15947300243 then /Patient/7300243']);
  });
});
