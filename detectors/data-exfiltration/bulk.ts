import type { NormalizedEvent } from '../../libs/contracts/index.js';

/**
 * Bulk reads: operations that return many records in one exchange. Each is a bit, so a
 * principal's habits are one small integer.
 */
export const BULK_KINDS = ['export', 'everything', 'include', 'revinclude'] as const;
export type BulkKind = (typeof BULK_KINDS)[number];

export const BULK_BIT: Record<BulkKind, number> = { export: 1, everything: 2, include: 4, revinclude: 8 };

/**
 * The bulk kinds this event used, as bits: FHIR Bulk Data `$export` (system, Group, Patient),
 * `$everything`, and `_include` / `_revinclude` (with modifiers such as `:iterate`).
 * Only answered requests count: 2xx (202 for a kicked-off export).
 */
export function bulkBits(ev: NormalizedEvent): number {
  if (ev.status < 200 || ev.status >= 300) return 0;
  let bits = 0;
  if (ev.route.includes('$export')) bits |= BULK_BIT.export;
  if (ev.route.includes('$everything')) bits |= BULK_BIT.everything;
  for (const k of ev.queryKeys) {
    if (k === '_include' || k.startsWith('_include:')) bits |= BULK_BIT.include;
    else if (k === '_revinclude' || k.startsWith('_revinclude:')) bits |= BULK_BIT.revinclude;
  }
  return bits;
}

export function kindsOf(bits: number): BulkKind[] {
  return BULK_KINDS.filter((k) => (bits & BULK_BIT[k]) !== 0);
}
