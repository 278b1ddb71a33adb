import { describe, expect, it } from 'vitest';
import { createWatermark } from './watermark.js';

const p = (partition: number, topic = 'vigil.mirror.raw') => ({ topic, partition });

describe('watermark', () => {
  it('is undefined until an event time is seen, and ignores messages that carry none', () => {
    const w = createWatermark();
    expect(w.value()).toBeUndefined();
    expect(w.advance(p(0), undefined, 5)).toBeUndefined();
  });

  it('is the newest time of the slowest partition that still has a backlog', () => {
    const w = createWatermark();
    w.advance(p(0), 1_000, 10);
    expect(w.advance(p(1), 9_000, 10)).toBe(1_000);
    expect(w.advance(p(0), 2_000, 9)).toBe(2_000);
    expect(w.advance(p(1), 9_500, 9)).toBe(2_000);
  });

  it('lets a caught-up partition hold nothing back, and is the newest of all when every partition is caught up', () => {
    const w = createWatermark();
    w.advance(p(0), 1_000, 3);
    w.advance(p(1), 500, 0);
    expect(w.value()).toBe(1_000);
    expect(w.advance(p(0), 1_200, 0)).toBe(1_200);
    // A new batch with a backlog makes the partition count again.
    expect(w.advance(p(1), 600, 40)).toBe(600);
  });

  it('marks a partition caught up by a message without event time (a dead letter)', () => {
    const w = createWatermark();
    w.advance(p(0), 1_000, 1);
    w.advance(p(1), 5_000, 1);
    expect(w.advance(p(0), undefined, 0)).toBe(5_000);
  });

  it('never moves a partition back for a late line within it', () => {
    const w = createWatermark();
    w.advance(p(0), 2_000, 5);
    expect(w.advance(p(0), 1_500, 4)).toBe(2_000);
  });

  it('tells topics apart and forgets partitions no longer assigned', () => {
    const w = createWatermark();
    w.advance(p(0), 1_000, 7);
    w.advance(p(0, 'other'), 3_000, 7);
    w.advance(p(1), 8_000, 7);
    expect(w.value()).toBe(1_000);
    w.retain([p(1), p(0, 'other')]);
    expect(w.value()).toBe(3_000);
    w.retain([]);
    expect(w.value()).toBeUndefined();
  });

  it('says how far it is behind the newest event time consumed, 0 once nothing is behind', () => {
    const w = createWatermark();
    expect(w.behindMs()).toBe(0);
    w.advance(p(0), 1_000, 10);
    w.advance(p(1), 61_000, 10);
    expect(w.behindMs()).toBe(60_000);
    w.advance(p(0), 31_000, 0);
    expect(w.behindMs()).toBe(0);
    expect(w.value()).toBe(61_000);
  });
});
