/**
 * A set that stops growing at `cap` and says so. Past the cap, `add` answers 'full' for unseen
 * values: callers decide what saturation means (usually "far past any threshold already"), and a
 * HyperLogLog can keep counting beside it. Values are tokens or names, never raw identifiers.
 */
export interface CappedSet {
  readonly cap: number;
  readonly values: Set<string>;
  /** True once an unseen value was refused. */
  saturated: boolean;
}

export type CappedAdd = 'new' | 'known' | 'full';

export function newCappedSet(cap: number): CappedSet {
  return { cap, values: new Set(), saturated: false };
}

export function cappedAdd(s: CappedSet, value: string): CappedAdd {
  if (s.values.has(value)) return 'known';
  if (s.values.size >= s.cap) {
    s.saturated = true;
    return 'full';
  }
  s.values.add(value);
  return 'new';
}

export function encodeCappedSet(s: CappedSet): { cap: number; saturated: boolean; values: string[] } {
  return { cap: s.cap, saturated: s.saturated, values: [...s.values] };
}

export function decodeCappedSet(v: unknown): CappedSet | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const { cap, saturated, values } = o;
  if (typeof cap !== 'number' || typeof saturated !== 'boolean' || !Array.isArray(values)) return undefined;
  if (!values.every((x): x is string => typeof x === 'string')) return undefined;
  return { cap, saturated, values: new Set(values.slice(0, cap)) };
}
