import { describe, expect, it } from 'vitest';
import { resend } from './resend.js';

describe('resend', () => {
  it('sends the last `count` lines again after every `every` lines', () => {
    const lines = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    expect(resend(lines, 3, 2)).toEqual(['a', 'b', 'c', 'b', 'c', 'd', 'e', 'f', 'e', 'f', 'g']);
    expect(resend(lines, 3, 5)).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'd', 'e', 'f', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(resend(lines, 3, 0)).toEqual(lines);
  });

  it('refuses counts that are not whole numbers', () => {
    expect(() => resend(['a'], 0, 1)).toThrow('resend: every >= 1 and count >= 0, integers');
    expect(() => resend(['a'], 2, 1.5)).toThrow('resend: every >= 1 and count >= 0, integers');
  });
});
