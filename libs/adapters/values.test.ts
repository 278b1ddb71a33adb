import { describe, expect, it } from 'vitest';
import { copyHeaders, headerMap, isLowerAscii } from './values.js';

const copied = (src: unknown): Record<string, string> => {
  const into: Record<string, string> = {};
  copyHeaders(src, into);
  return into;
};

describe('headerMap', () => {
  it('hands back a map of lowercase names and string values as it is', () => {
    const src: unknown = JSON.parse('{"host":"api","user-agent":"curl/8","x-request-id":"r-1"}');
    expect(headerMap(src)).toBe(src);
    expect(headerMap(src)).toEqual(copied(src));
  });

  it('copies, like copyHeaders, when a name has capitals or a value is not a string', () => {
    const mixed: unknown = JSON.parse('{"Host":"api","x-list":["a","b"],"x-n":5,"x-null":null}');
    expect(headerMap(mixed)).not.toBe(mixed);
    expect(headerMap(mixed)).toEqual({ host: 'api', 'x-list': 'a, b', 'x-n': '5' });
  });

  it("copies when '__proto__' is a name, dropping it as copyHeaders does", () => {
    const src: unknown = JSON.parse('{"host":"api","__proto__":"x"}');
    const out = headerMap(src);
    expect(out).not.toBe(src);
    expect(Object.keys(out)).toEqual(['host']);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });

  it('copies an object that is not a plain one, and gives an empty map for no headers', () => {
    const bare = Object.assign(Object.create(null) as Record<string, string>, { host: 'api' });
    expect(headerMap(bare)).not.toBe(bare);
    expect(headerMap(bare)).toEqual({ host: 'api' });
    expect(headerMap(undefined)).toEqual({});
    expect(headerMap(['host'])).toEqual({});
  });

  it('keeps the key order copyHeaders gives, integer-like names included', () => {
    const src: unknown = JSON.parse('{"b":"1","42":"x","a":"2","7":"y"}');
    expect(Object.keys(headerMap(src))).toEqual(Object.keys(copied(src)));
    expect(Object.keys(headerMap(src))).toEqual(['7', '42', 'b', 'a']);
  });
});

describe('isLowerAscii', () => {
  it('is true exactly when toLowerCase changes nothing and the text is ASCII', () => {
    expect(['', 'x-request-id', 'host', '0-9_[]~'].map(isLowerAscii)).toEqual([true, true, true, true]);
    expect(['Host', 'X', 'é', 'straße'].map(isLowerAscii)).toEqual([false, false, false, false]);
  });
});
