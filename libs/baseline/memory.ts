import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Measures heap bytes per item: forces GC, builds `count` items with `build` (which must keep them
 * reachable from what it returns), forces GC again and divides the growth of `heapUsed`.
 * For benchmarks and memory budgets, not for timing. Works without `node --expose-gc`.
 */
export function measureHeapPerItem(count: number, build: (count: number) => unknown): { bytesPerItem: number; heapDeltaBytes: number } {
  const gc = gcFunction();
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = build(count);
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  // NOTE: `kept` is read after the measurement so it stays reachable through it; the check also
  // catches a `build` that forgot to return what it built.
  if (kept === undefined || kept === null) throw new TypeError('build must return what it built');
  const heapDeltaBytes = after - before;
  return { bytesPerItem: heapDeltaBytes / count, heapDeltaBytes };
}

/** The engine's GC function (exposed on demand); shared with budget.ts. */
export function gcFunction(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  // NOTE: --expose-gc only applies to contexts created afterwards, hence the new context.
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
