import { parseRowState, type BaselineSnapshot } from '../../../libs/baseline/index.js';
import { createBoundedCache, type BoundedCache } from '../../../libs/cache/index.js';
import type { LearnedBinding } from './binding.js';

/**
 * Learned bindings by principal id: one per app the principal used (almost always one), chained.
 * NOTE: keyed by the principal id alone, not `id + app`: the id string is the one every detector
 * already holds (a built key cost ~40 bytes per principal), and a principal's row, `forget` and
 * incremental snapshots find its bindings by a direct lookup.
 */
export interface AppBinding extends LearnedBinding {
  /** `principal.app`, '' when absent. */
  app: string;
  /** The binding of the principal's next app, if it used several. */
  next: AppBinding | undefined;
}

export type LearnedBindings = BoundedCache<AppBinding>;

export function createLearnedBindings(capacity: number): LearnedBindings {
  return createBoundedCache<AppBinding>(capacity);
}

/** The principal's binding for `app`, created (empty) if new. */
export function bindingOf(learned: LearnedBindings, principal: string, app: string): AppBinding {
  const head = learned.get(principal);
  if (head === undefined) {
    const fresh = newAppBinding(app);
    learned.set(principal, fresh);
    return fresh;
  }
  let b = head;
  for (;;) {
    if (b.app === app) return b;
    if (b.next === undefined) return (b.next = newAppBinding(app));
    b = b.next;
  }
}

function newAppBinding(app: string): AppBinding {
  return { patient: undefined, reads: 0, since: -1, ambiguous: false, app, next: undefined };
}

// ---- Snapshot rows: one `principal` row per principal id, its bindings as [app, binding] pairs.
// The patient is a token (the same namespace as the SMART claim), never a raw id.

interface EncodedBinding {
  patient: string | null;
  reads: number;
  since: number;
  ambiguous: boolean;
}

export function snapshotLearned(detector: string, learned: LearnedBindings, version: number, select?: ReadonlySet<string>): BaselineSnapshot[] {
  const rows: BaselineSnapshot[] = [];
  const emit = (key: string, head: AppBinding | undefined): void => {
    if (head === undefined) return;
    const pairs: [string, EncodedBinding][] = [];
    let since = -1;
    let reads = 0;
    for (let b: AppBinding | undefined = head; b !== undefined; b = b.next) {
      pairs.push([b.app, { patient: b.patient ?? null, reads: b.reads, since: b.since, ambiguous: b.ambiguous }]);
      since = Math.max(since, b.since);
      reads += b.reads;
    }
    // No last-activity time is kept (it would cost a boxed double per principal): the latest
    // binding start stands in for it, for the row and the restore order.
    const ts = Math.max(0, since);
    rows.push({ detector, scope: 'principal', key, version, firstTs: ts, lastTs: ts, events: reads, state: JSON.stringify({ learned: pairs }) });
  };
  // NOTE: peek, not get: a snapshot is not activity and must not change what is evicted first.
  if (select !== undefined) for (const key of select) emit(key, learned.peek(key));
  else for (const [key, head] of learned.entries()) emit(key, head);
  return rows;
}

/** Takes this detector's principal rows, oldest first; skips rows that do not decode. */
export function restoreLearned(detector: string, learned: LearnedBindings, rows: readonly BaselineSnapshot[]): number {
  let taken = 0;
  const mine = rows.filter((r) => r.detector === detector && r.scope === 'principal').sort((a, b) => a.lastTs - b.lastTs);
  for (const r of mine) {
    const v = parseRowState(r);
    if (v === undefined) continue;
    const head = decodeChain(v);
    if (head === undefined) continue;
    learned.set(r.key, head);
    taken++;
  }
  return taken;
}

function decodeChain(v: unknown): AppBinding | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const pairs = (v as { learned?: unknown }).learned;
  if (!Array.isArray(pairs) || pairs.length === 0) return undefined;
  let head: AppBinding | undefined;
  let tail: AppBinding | undefined;
  const apps = new Set<string>();
  for (const p of pairs as unknown[]) {
    if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'string' || apps.has(p[0])) return undefined;
    const b = decodeBinding(p[0], p[1]);
    if (b === undefined) return undefined;
    apps.add(p[0]);
    if (tail === undefined) head = b;
    else tail.next = b;
    tail = b;
  }
  return head;
}

function decodeBinding(app: string, v: unknown): AppBinding | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { patient, reads, since, ambiguous } = v as Record<string, unknown>;
  if (patient !== null && (typeof patient !== 'string' || patient === '')) return undefined;
  if (!Number.isSafeInteger(reads) || (reads as number) < 0 || !Number.isSafeInteger(since) || (since as number) < -1 || typeof ambiguous !== 'boolean') return undefined;
  return { patient: patient ?? undefined, reads: reads as number, since: since as number, ambiguous, app, next: undefined };
}
