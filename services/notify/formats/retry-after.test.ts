import { expect, test } from 'vitest';
import { retryAfterMs } from './retry-after.js';

const NOW = new Date('2026-03-02T09:20:00.000Z');

test('Retry-After in seconds or as an HTTP-date becomes milliseconds from now', () => {
  expect(retryAfterMs('120', NOW)).toBe(120_000);
  expect(retryAfterMs(' 0 ', NOW)).toBe(0);
  expect(retryAfterMs('Mon, 02 Mar 2026 09:21:30 GMT', NOW)).toBe(90_000);
  expect(retryAfterMs('Mon, 02 Mar 2026 09:00:00 GMT', NOW)).toBe(0);
  expect(retryAfterMs(['30', '60'], NOW)).toBe(30_000);
});

test('absent or unreadable Retry-After is undefined', () => {
  expect(retryAfterMs(undefined, NOW)).toBeUndefined();
  expect(retryAfterMs('', NOW)).toBeUndefined();
  expect(retryAfterMs('-5', NOW)).toBeUndefined();
  expect(retryAfterMs('1.5', NOW)).toBeUndefined();
  expect(retryAfterMs('2026-03-02T09:21:30Z', NOW)).toBeUndefined();
});
