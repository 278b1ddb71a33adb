import { describe, expect, it } from 'vitest';
import { extractPaging } from './paging.js';
import { queryPairs } from './query.js';

describe('extractPaging', () => {
  it('reads FHIR paging: _count, _offset and HAPI _getpages with _getpagesoffset', () => {
    expect(extractPaging('patient=123&_count=50&_offset=100')).toEqual({ count: 50, offset: 100 });
    expect(extractPaging('_getpages=7f3c-9a&_getpagesoffset=200&_count=20&_bundletype=searchset')).toEqual({
      cursor: true,
      offset: 200,
      count: 20,
    });
  });

  it('reads REST styles: page/per_page, offset/limit, JSON:API page[...] and cursor tokens', () => {
    expect(extractPaging('page=4&per_page=100')).toEqual({ page: 4, count: 100 });
    expect(extractPaging('offset=0&limit=25')).toEqual({ offset: 0, count: 25 });
    expect(extractPaging('page%5Bnumber%5D=3&page%5Bsize%5D=10')).toEqual({ page: 3, count: 10 });
    expect(extractPaging('cursor=eyJpZCI6MTIzfQ&limit=10')).toEqual({ cursor: true, count: 10 });
  });

  it('keeps numbers only: never a cursor value, never a non-integer', () => {
    expect(extractPaging('page=abc&_count=-5&cursor=')).toBeUndefined();
    expect(extractPaging('limit=10&limit=5000')).toEqual({ count: 10 });
  });

  it('returns undefined for queries without paging', () => {
    expect(extractPaging(undefined)).toBeUndefined();
    expect(extractPaging('')).toBeUndefined();
    expect(extractPaging('patient=123&code=8867-4')).toBeUndefined();
    expect(extractPaging('name=pageant')).toBeUndefined();
  });
});

describe('extractPaging with the caller\'s query split', () => {
  it('reads the given pairs, and still skips queries without a paging-looking name', () => {
    const q = 'patient=1&_count=50&_offset=100';
    expect(extractPaging(q, queryPairs(q))).toEqual({ count: 50, offset: 100 });
    expect(extractPaging('patient=1', queryPairs('patient=1'))).toBeUndefined();
    // The hint is read from the query text: pairs are not consulted when it says no paging.
    expect(extractPaging('patient=1', [['_count', '5']])).toBeUndefined();
  });
});
