import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Measures heap bytes per item: forces GC, builds `count` items with `build` (which must keep them
 * reachable from what it returns), forces GC again and divides the growth of `heapUsed`.
 * For benchmarks and memory budgets, not for timing. Works without `node --expose-gc`.
 */
export function measureHeapPerItem(count: number, build: (count: number) => unknown): { bytesPerItem: number; heapDeltaBytes: number } {
  const gc = gcFunction();
  const before = settledHeap(gc);
  const kept = build(count);
  const after = settledHeap(gc);
  // NOTE: `kept` is read after the measurement so it stays reachable through it; the check also
  // catches a `build` that forgot to return what it built.
  if (kept === undefined || kept === null) throw new TypeError('build must return what it built');
  const heapDeltaBytes = after - before;
  return { bytesPerItem: heapDeltaBytes / count, heapDeltaBytes };
}

/**
 * Heap bytes per item, in total and outside capped sets (libs/baseline/budget.ts): measures after
 * `build`, empties the capped sets with `clearCapped`, measures again.
 */
export function measureHeapSplit<T>(
  count: number,
  build: (count: number) => T,
  clearCapped: (built: T) => void,
): { totalPerItem: number; outsidePerItem: number; cappedPerItem: number } {
  const gc = gcFunction();
  const before = settledHeap(gc);
  const kept = build(count);
  const full = settledHeap(gc);
  clearCapped(kept);
  const outside = settledHeap(gc);
  if (kept === undefined || kept === null) throw new TypeError('build must return what it built');
  const totalPerItem = (full - before) / count;
  const outsidePerItem = (outside - before) / count;
  return { totalPerItem, outsidePerItem, cappedPerItem: totalPerItem - outsidePerItem };
}

/** heapUsed once garbage is collected (twice: objects freed by the first pass's finalizers go too). */
function settledHeap(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** The engine's GC function (exposed on demand). */
function gcFunction(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  // NOTE: --expose-gc only applies to contexts created afterwards, hence the new context.
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
