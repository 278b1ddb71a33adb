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
}

export function newCloseQueue(cap: number): CloseQueue {
  return { items: [], head: 0, cap };
}

export function pushClose(q: CloseQueue, who: string, end: number): void {
  if (q.items.length - q.head >= q.cap) return;
  q.items.push({ who, end });
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
    q.items = q.items.slice(q.head);
    q.head = 0;
  }
  return due;
}
