/**
 * Principals' repeat windows in the order they end (event time). Windows are aligned tumbling
 * buckets and events arrive almost sorted, so a FIFO is ordered enough: a window is closed once
 * an event at or after its end is seen. Without this a principal's window only closed at its next
 * write, and the many principals who write once a day never taught the population what "normal"
 * is. Past `cap` entries new windows are not queued and close at their next write, as before.
 */
export interface CloseQueue {
  items: { who: string; end: number }[];
  head: number;
  cap: number;
  /**
   * Items dropped from the front so far, less those put back by `requeue`: `dropped + index` numbers
   * an item for as long as it is queued, so rows saved by different snapshots order their items.
   */
  dropped: number;
}

export function newCloseQueue(cap: number): CloseQueue {
  return { items: [], head: 0, cap, dropped: 0 };
}

export function pushClose(q: CloseQueue, who: string, end: number): void {
  if (q.items.length - q.head >= q.cap) return;
  q.items.push({ who, end });
}

/**
 * Each principal's place in the queue: the sequence number of its first item that `isLive` accepts
 * (the one that will close its current window; later duplicates find it closed already).
 */
export function queuedPlaces(q: CloseQueue, isLive: (who: string, end: number) => boolean): Map<string, number> {
  const places = new Map<string, number>();
  for (let i = q.head; i < q.items.length; i++) {
    const { who, end } = q.items[i] as { who: string; end: number };
    if (!places.has(who) && isLive(who, end)) places.set(who, q.dropped + i);
  }
  return places;
}

/**
 * Puts saved items back in their saved order, ahead of the live ones: they were queued earlier (on
 * this instance before a restart, or on the one that handed the principals over).
 */
export function requeue(q: CloseQueue, saved: { seq: number; who: string; end: number }[]): void {
  saved.sort((a, b) => a.seq - b.seq);
  const room = Math.max(0, q.cap - (q.items.length - q.head));
  const back = saved.slice(0, room).map(({ who, end }) => ({ who, end }));
  // The live items keep their numbers (rows saved earlier name them); the restored ones number below.
  q.dropped += q.head - back.length;
  q.items = back.concat(q.items.slice(q.head));
  q.head = 0;
}

const NONE: readonly { who: string; end: number }[] = [];

/** Removes and returns the windows that ended at or before `ts`. */
export function takeDue(q: CloseQueue, ts: number): readonly { who: string; end: number }[] {
  // NOTE: hot path (every event): nothing due is the common case and allocates nothing.
  if (q.head >= q.items.length || (q.items[q.head] as { end: number }).end > ts) return NONE;
  const due: { who: string; end: number }[] = [];
  while (q.head < q.items.length) {
    const next = q.items[q.head] as { who: string; end: number };
    if (next.end > ts) break;
    due.push(next);
    q.head++;
  }
  // Drop the consumed prefix now and then, so the array does not grow without bound.
  if (q.head > 1024 && q.head * 2 > q.items.length) {
    q.dropped += q.head;
    q.items = q.items.slice(q.head);
    q.head = 0;
  }
  return due;
}
