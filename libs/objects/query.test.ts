import { describe, expect, it } from 'vitest';
import { queryPairs } from './query.js';

describe('queryPairs', () => {
  it('splits plain pairs in order, keeping repeated names, bare names and extra = in values', () => {
    expect(queryPairs('patient=123&category=laboratory&_count=50&flag&d=e=f&patient=9')).toEqual([
      ['patient', '123'],
      ['category', 'laboratory'],
      ['_count', '50'],
      ['flag', ''],
      ['d', 'e=f'],
      ['patient', '9'],
    ]);
  });

  it('skips empty sequences and keeps an empty name', () => {
    expect(queryPairs('&&a=1&&=c&')).toEqual([
      ['a', '1'],
      ['', 'c'],
    ]);
    expect(queryPairs('')).toEqual([]);
  });

  it('decodes escapes and + and drops a leading ? as URLSearchParams does', () => {
    expect(queryPairs('subject%3APatient=Patient%2F7&q=a+b')).toEqual([
      ['subject:Patient', 'Patient/7'],
      ['q', 'a b'],
    ]);
    expect(queryPairs('?a=1')).toEqual([['a', '1']]);
    expect(queryPairs('x=\ud800y')).toEqual([['x', '\ufffdy']]);
  });

  it('keeps non-ASCII text as it is', () => {
    expect(queryPairs('name=José&e=😀')).toEqual([
      ['name', 'José'],
      ['e', '😀'],
    ]);
  });

  it('gives what URLSearchParams gives for every query built from a small alphabet', () => {
    // All strings up to length 5 over characters that matter to the parser.
    const alphabet = ['a', '=', '&', '%', '+', '?', '2', 'é', '\ud83d', '\ude00'];
    let queries = [''];
    let checked = 0;
    for (let len = 1; len <= 5; len++) {
      queries = queries.flatMap((q) => alphabet.map((c) => q + c));
      for (const q of queries) {
        expect(queryPairs(q)).toEqual([...new URLSearchParams(q)]);
        checked++;
      }
    }
    expect(checked).toBe(111_110);
  });
});
