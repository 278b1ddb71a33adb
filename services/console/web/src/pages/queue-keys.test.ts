import { describe, expect, it } from 'vitest';
import { queueKeyAction } from './queue-keys.js';

describe('queue keyboard bindings', () => {
  it('maps letters anywhere but in a field, arrows and Enter only on a row', () => {
    const page = { typing: false, inTable: false };
    const row = { typing: false, inTable: true };
    expect(['j', 'k', 'x', 'a', 'r', 'ArrowDown', 'ArrowUp', 'Enter', 'q'].map((k) => queueKeyAction(k, page))).toEqual(['down', 'up', 'select', 'acknowledge', 'resolve', null, null, null, null]);
    expect(['ArrowDown', 'ArrowUp', 'Enter'].map((k) => queueKeyAction(k, row))).toEqual(['down', 'up', 'open']);
    expect(queueKeyAction('a', { typing: true, inTable: false })).toBeNull();
  });
});
