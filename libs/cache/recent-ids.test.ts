import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createRecentIds } from './recent-ids.js';

/** Ids shaped like eventIdFor's: 32 hex digits of a sha256. */
const id = (n: number) => createHash('sha256').update(`line ${n}`).digest('hex').slice(0, 32);

describe('createRecentIds', () => {
  it('answers false the first time and true for a copy', () => {
    const r = createRecentIds(8);
    expect([r.seen(id(1)), r.seen(id(2)), r.seen(id(1)), r.seen(id(2)), r.seen(id(3))]).toEqual([false, false, true, true, false]);
  });

  it('forgets the oldest generation once the young one fills, keeping ids seen again', () => {
    const r = createRecentIds(4); // generations of 2
    r.seen(id(1));
    r.seen(id(2));
    r.seen(id(3)); // young full: old = {1, 2}, young = {3}
    expect(r.seen(id(1))).toBe(true); // promoted: young = {3, 1}
    r.seen(id(4)); // young full: old = {3, 1}, young = {4}; 2 is forgotten
    expect([r.seen(id(1)), r.seen(id(3)), r.seen(id(4))]).toEqual([true, true, true]);
    expect(r.seen(id(2))).toBe(false);
  });

  it('remembers at least the last capacity/2 ids of a long stream, and no id it never saw', () => {
    const capacity = 10_000;
    const r = createRecentIds(capacity);
    let copies = 0;
    for (let n = 0; n < 100_000; n++) if (r.seen(id(n))) copies++;
    expect(copies).toBe(0);
    for (let n = 100_000 - capacity / 2; n < 100_000; n++) if (r.seen(id(n))) copies++;
    expect(copies).toBe(capacity / 2);
    expect(r.seen(id(0))).toBe(false);
  });

  it('takes ids of any shape, and tells apart ids that differ only after the 16th digit of a non-hex id', () => {
    const r = createRecentIds(8);
    expect([r.seen('kafka-event-0000000001'), r.seen('kafka-event-0000000002'), r.seen('kafka-event-0000000001')]).toEqual([false, false, true]);
    expect([r.seen('0000000000000000'), r.seen('0000000000000000')]).toEqual([false, true]); // the all-zero fingerprint too
  });

  it('takes 16 bytes per id it can hold, in two power-of-two tables', () => {
    expect(createRecentIds(1_000_000).bytes).toBe(2 * 1_048_576 * 8);
    expect(() => createRecentIds(1)).toThrow(/capacity must be an integer >= 2/);
  });
});
