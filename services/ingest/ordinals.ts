/**
 * Tells apart identical source lines. Two identical log lines are two real requests (same client,
 * path and second), so each gets its own event id: the id hashes the line with its occurrence
 * number. A re-run of the same input counts occurrences the same way and so yields the same ids.
 * NOTE: memory is bounded by forgetting everything past `capacity` distinct ids; identical lines
 * that far apart would then share an id and merge. Identical lines cluster in time, so this is rare.
 */
export function createOrdinals(capacity = 100_000) {
  let seen = new Map<string, number>();
  return {
    /** Occurrence number (0 for the first time) of the line whose first-occurrence id is `id0`. */
    next(id0: string): number {
      const n = seen.get(id0) ?? 0;
      if (seen.size >= capacity && n === 0) seen = new Map();
      seen.set(id0, n + 1);
      return n;
    },
  };
}
export type Ordinals = ReturnType<typeof createOrdinals>;

/**
 * For transports whose input has a coordinate of its own (a Kafka offset, a byte offset in a followed
 * file: SourcePosition.occurrence): identical lines are told apart by it, not by counting, so every
 * id is "first occurrence".
 */
export const NO_ORDINALS: Ordinals = { next: () => 0 };
