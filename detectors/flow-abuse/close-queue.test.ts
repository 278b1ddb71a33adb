import { describe, expect, it } from 'vitest';
import { newCloseQueue, pushClose, queuedPlaces, requeue, takeDue } from './close-queue.js';

const H = 3600_000;

describe('flow-abuse close queue', () => {
  it('closes windows in end order even when queued out of order (partitions days apart)', () => {
    const q = newCloseQueue(100);
    pushClose(q, 'ahead', 50 * H);
    pushClose(q, 'lagging-b', 3 * H);
    pushClose(q, 'lagging-a', 2 * H);
    expect(takeDue(q, 1 * H)).toEqual([]);
    expect(takeDue(q, 3 * H).map(({ who, end }) => ({ who, end }))).toEqual([
      { who: 'lagging-a', end: 2 * H },
      { who: 'lagging-b', end: 3 * H },
    ]);
    expect(takeDue(q, 49 * H)).toEqual([]);
    expect(takeDue(q, 50 * H).map((x) => x.who)).toEqual(['ahead']);
    expect(q.items).toEqual([]);
  });

  it('closes windows that end together in the order they were queued', () => {
    const q = newCloseQueue(100);
    for (const who of ['c', 'a', 'd', 'b', 'e']) pushClose(q, who, H);
    pushClose(q, 'early', H / 2);
    expect(takeDue(q, H).map((x) => x.who)).toEqual(['early', 'c', 'a', 'd', 'b', 'e']);
  });

  it('queues nothing past its cap (those windows close at their next write)', () => {
    const q = newCloseQueue(2);
    pushClose(q, 'a', H);
    pushClose(q, 'b', H);
    pushClose(q, 'c', H);
    expect(takeDue(q, H).map((x) => x.who)).toEqual(['a', 'b']);
  });

  it("numbers each principal's first live item, and puts restored items before live ones that end together", () => {
    const q = newCloseQueue(100);
    pushClose(q, 'live', 2 * H);
    pushClose(q, 'live', 2 * H);
    pushClose(q, 'stale', H);
    expect(queuedPlaces(q, (who) => who !== 'stale')).toEqual(new Map([['live', 0]]));
    requeue(q, [
      { seq: 9, who: 'saved-second', end: 2 * H },
      { seq: 4, who: 'saved-first', end: 2 * H },
    ]);
    const places = queuedPlaces(q, () => true);
    expect(places.get('saved-first')).toBeLessThan(places.get('saved-second') as number);
    expect(places.get('saved-second')).toBeLessThan(0);
    expect(takeDue(q, 2 * H).map((x) => x.who)).toEqual(['stale', 'saved-first', 'saved-second', 'live', 'live']);
  });
});
