import { describe, expect, it } from 'vitest';
import { classifySegment, isIdLike } from './classify.js';

describe('isIdLike', () => {
  it('names numbers, UUIDs, dates, hex, opaque ids, e-mail addresses and mixed FHIR ids as ids', () => {
    const ids = ['123', '3f2b1c4d-aaaa-bbbb-cccc-1234567890ab', 'abcdefab-abcd-abcd-abcd-abcdefabcdef', '2026-03-01', 'deadbeef0001', 'tok_AAAAAAAAAAAAAAAAAA1', 'alice@example.org', 'alice%40example.org', 'pat-7'];
    expect(ids.filter(isIdLike)).toEqual(ids);
  });

  it('leaves words, controls and operations alone', () => {
    expect(['patient', 'category', '_count', '$everything', 'Patient', 'subject:Patient', 'page[size]', '', 'me', 'v2', 'oauth2'].filter(isIdLike)).toEqual([]);
  });

  it('agrees with classifySegment without context on every short string of id-relevant characters', () => {
    const alphabet = ['a', 'F', '1', '-', '@', '%', '.', '_', '$', 'x', ':'];
    let words = [''];
    let disagreements = 0;
    let ids = 0;
    let checked = 0;
    for (let len = 1; len <= 4; len++) {
      words = words.flatMap((w) => alphabet.map((c) => w + c));
      for (const w of words) {
        const expected = classifySegment(w, undefined) === 'id';
        if (isIdLike(w) !== expected) disagreements++;
        if (expected) ids++;
        checked++;
      }
    }
    expect(disagreements).toBe(0);
    expect(checked).toBe(16_104);
    // The sweep must include ids, or agreeing would prove nothing.
    expect(ids).toBe(688);
  });
});
