/**
 * Principals' repeat windows in the order they end (event time): a window is closed once the
 * clock (the watermark, Detector.detect) passes its end. Without this a principal's window only
 * closed at its next write, and the many principals who write once a day never taught the
 * population what "normal" is. Past `cap` entries new windows are not queued and close at their
 * next write, as before.
 * NOTE: a binary heap on (end, seq), not a FIFO. From one ordered source windows are queued almost
 * in end order, but Kafka partitions consumed at different speeds queue them days out of order,
 * and a FIFO would hold every window behind the first one not yet due.
 */
export interface CloseQueue {
  /** A binary min-heap on (end, seq). */
  items: QueuedClose[];
  cap: number;
  /** The next item's sequence number: ties on `end` close in the order they were queued. */
  nextSeq: number;
}

interface QueuedClose {
  who: string;
  end: number;
  /** Increasing in queue order; restored items (requeue) number below 0, before every live one. */
  seq: number;
}

export function newCloseQueue(cap: number): CloseQueue {
  return { items: [], cap, nextSeq: 0 };
}

export function pushClose(q: CloseQueue, who: string, end: number): void {
  if (q.items.length >= q.cap) return;
  insert(q.items, { who, end, seq: q.nextSeq++ });
}

/**
 * Each principal's place in the queue: the sequence number of its first item (in closing order)
 * that `isLive` accepts, the one that will close its current window (later duplicates find it
 * closed already).
 */
export function queuedPlaces(q: CloseQueue, isLive: (who: string, end: number) => boolean): Map<string, number> {
  const places = new Map<string, number>();
  for (const it of q.items) {
    if (!isLive(it.who, it.end)) continue;
    const placed = places.get(it.who);
    if (placed === undefined || it.seq < placed) places.set(it.who, it.seq);
  }
  return places;
}

/**
 * Puts saved items back, in their saved order and ahead of live ones that end at the same time:
 * they were queued earlier (on this instance before a restart, or on the one that handed the
 * principals over). Their numbers come from another queue, so they are renumbered below 0.
 */
export function requeue(q: CloseQueue, saved: { seq: number; who: string; end: number }[]): void {
  saved.sort((a, b) => a.seq - b.seq);
  const room = Math.max(0, q.cap - q.items.length);
  const back = saved.slice(0, room);
  const lowest = q.items.reduce((m, it) => Math.min(m, it.seq), 0);
  back.forEach(({ who, end }, i) => insert(q.items, { who, end, seq: lowest - back.length + i }));
}

const NONE: readonly { who: string; end: number }[] = [];

/** Removes and returns the windows that ended at or before `ts`, in closing order. */
export function takeDue(q: CloseQueue, ts: number): readonly { who: string; end: number }[] {
  // NOTE: hot path (every event): nothing due is the common case and allocates nothing.
  const top = q.items[0];
  if (top === undefined || top.end > ts) return NONE;
  const due: { who: string; end: number }[] = [];
  for (let next = q.items[0]; next !== undefined && next.end <= ts; next = q.items[0]) {
    due.push(next);
    removeTop(q.items);
  }
  return due;
}

const before = (a: QueuedClose, b: QueuedClose) => a.end < b.end || (a.end === b.end && a.seq < b.seq);

function insert(h: QueuedClose[], it: QueuedClose): void {
  let i = h.length;
  h.push(it);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const p = h[parent] as QueuedClose;
    if (!before(it, p)) break;
    h[i] = p;
    i = parent;
  }
  h[i] = it;
}

function removeTop(h: QueuedClose[]): void {
  const last = h.pop();
  if (last === undefined || h.length === 0) return;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= h.length) break;
    const r = l + 1;
    const child = r < h.length && before(h[r] as QueuedClose, h[l] as QueuedClose) ? r : l;
    if (!before(h[child] as QueuedClose, last)) break;
    h[i] = h[child] as QueuedClose;
    i = child;
  }
  h[i] = last;
}
