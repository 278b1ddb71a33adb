import { describe, expect, test } from 'vitest';
import { describeJsonError, parseJson } from './json.js';

describe('JSON error reasons', () => {
  test.each([
    ['{"a":1', 'invalid JSON at position 6: unexpected end of input (truncated line?)'],
    ['{"a":}', "invalid JSON at position 5: unexpected '}', expected a value"],
    ['{"a": tru}', "invalid JSON at position 9: unexpected '}', expected 'true'"],
    ['{a:1}', "invalid JSON at position 1: unexpected 'a', expected a property name in double quotes or '}'"],
    ['{"a" 1}', "invalid JSON at position 5: unexpected '1', expected ':'"],
    ['[1,2', 'invalid JSON at position 4: unexpected end of input (truncated line?)'],
    ['[1 2]', "invalid JSON at position 3: unexpected '2', expected ',' or ']'"],
    ['{"a":"x\u0001"}', 'invalid JSON at position 7: control character in string (must be escaped)'],
    ['{"a":"\\q"}', "invalid JSON at position 6: bad escape '\\q' in string"],
    ['{"a":"\\u12"}', 'invalid JSON at position 6: bad \\u escape in string'],
    ['{} {}', "invalid JSON at position 3: unexpected '{', expected end of line after the JSON value"],
    ['{"a":[{"b":[1,{"c":-}]}]}', "invalid JSON at position 19: unexpected '-', expected a value"],
    ['{"a":1}\u0000', 'invalid JSON at position 7: unexpected character U+0000, expected end of line after the JSON value'],
  ])('%j -> %s', (text, reason) => {
    expect(parseJson(text)).toEqual({ ok: false, reason });
  });

  test('valid JSON parses once into its value', () => {
    expect(parseJson('{"a":[1,true,null,"x"]}')).toEqual({ ok: true, value: { a: [1, true, null, 'x'] } });
  });

  test('a deeply nested hostile line is located without recursion', () => {
    const text = '['.repeat(100_000);
    expect(describeJsonError(text)).toBe('invalid JSON at position 100000: unexpected end of input (truncated line?)');
  });
});
