import { describe, expect, it } from 'vitest';
import { isoToChTime, msToIso, splitSql, toChTime } from './sql.js';

describe('splitSql', () => {
  it('splits statements on a semicolon that ends a line and drops the semicolon', () => {
    const text = 'CREATE TABLE a (x UInt8)\nENGINE = Memory;\n\nCREATE TABLE b (y UInt8) ENGINE = Memory;\n';
    expect(splitSql(text)).toEqual(['CREATE TABLE a (x UInt8)\nENGINE = Memory', 'CREATE TABLE b (y UInt8) ENGINE = Memory']);
  });

  it('keeps a semicolon inside a line as part of the statement', () => {
    expect(splitSql("SELECT 'a;b' AS s;")).toEqual(["SELECT 'a;b' AS s"]);
  });

  it('ignores comment-only lines, even ones ending in a semicolon', () => {
    const text = '-- header;\nSELECT 1\n-- trailing note;\nFROM x;\n-- the end\n';
    expect(splitSql(text)).toEqual(['SELECT 1\nFROM x']);
  });

  it('returns a last statement that has no closing semicolon', () => {
    expect(splitSql('SELECT 1;\r\nSELECT 2\r\n')).toEqual(['SELECT 1', 'SELECT 2']);
  });

  it('returns nothing for a file of comments and blank lines', () => {
    expect(splitSql('-- nothing here\n\n   \n')).toEqual([]);
  });
});

describe('time conversion', () => {
  it('formats epoch ms as UTC text with milliseconds', () => {
    expect(toChTime(Date.UTC(2026, 2, 1, 9, 5, 7, 42))).toBe('2026-03-01 09:05:07.042');
  });

  it('normalises an ISO time with an offset to UTC', () => {
    expect(isoToChTime('2026-03-01T10:00:00.5+01:00')).toBe('2026-03-01 09:00:00.500');
  });

  it('rejects text that is not a time', () => {
    expect(() => isoToChTime('yesterday')).toThrow(RangeError);
  });

  it('reads 64-bit milliseconds given as a number or a quoted string', () => {
    expect(msToIso(1772355600000)).toBe('2026-03-01T09:00:00.000Z');
    expect(msToIso('1772355600000')).toBe('2026-03-01T09:00:00.000Z');
  });
});
