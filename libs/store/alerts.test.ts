import { describe, expect, it } from 'vitest';
import { VigilError } from '../errors/index.js';
import { decodeCursor, encodeCursor } from './alerts.js';

describe('alert cursor', () => {
  it('round-trips the last row sort key through an opaque base64url string', () => {
    const s = encodeCursor({ lastSeen: 1772355600000, id: 'al-7' });
    expect(s).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(s)).toEqual({ lastSeen: 1772355600000, id: 'al-7' });
  });

  it.each(['not base64 json', Buffer.from('{"lastSeen":"x","id":1}').toString('base64url'), ''])(
    'rejects a malformed cursor %j as a bad request',
    (bad) => {
      let caught: unknown;
      try {
        decodeCursor(bad);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(VigilError);
      expect((caught as VigilError).code).toBe('bad_request');
    },
  );
});
