import { isVigilError } from '../errors/index.js';

/**
 * Whether waiting and trying again can help. Vigil's errors say so with `retriable` (the store being
 * down is 'store_unavailable'); kafkajs errors carry the same flag. Never decided from message text.
 */
export function isRetriable(e: unknown): boolean {
  if (isVigilError(e)) return e.retriable;
  return e instanceof Error && e.name.startsWith('KafkaJS') && (e as Error & { retriable?: boolean }).retriable === true;
}

/** Exponential backoff, doubling from `minMs`, capped at `maxMs`, with up to 20% jitter. */
export function nextBackoffMs(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.round(base * (0.8 + 0.2 * random()));
}

/** Sleeps `ms`, heartbeating about every second so the group does not evict a member that is waiting. */
export async function sleepWithHeartbeat(ms: number, heartbeat: () => Promise<void>): Promise<void> {
  let left = ms;
  while (left > 0) {
    const step = Math.min(left, 1000);
    await new Promise((r) => setTimeout(r, step));
    left -= step;
    await heartbeat();
  }
}
