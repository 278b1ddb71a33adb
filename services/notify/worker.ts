import type { DestinationWithSecrets } from '../../libs/contracts/index.js';
import { errorMessage } from '../../libs/errors/index.js';
import type { Logger } from '../../libs/log/index.js';
import type { OutboxDelivery, Store } from '../../libs/store/types.js';
import type { NotifyMetrics } from './metrics.js';
import { afterOutcome, type RetryPolicy } from './retry-policy.js';
import type { SenderPool } from './sender-pool.js';
import type { SendOutcome } from './types.js';

export interface WorkerConfig extends RetryPolicy {
  concurrency: number;
  pollIntervalMs: number;
  /** Longest wait between polls that find nothing (the wait doubles from pollIntervalMs); default pollIntervalMs. */
  idlePollMaxMs?: number;
  /** How often stored alerts are re-checked for versions never enqueued (outbox.reconcile). */
  reconcileIntervalMs?: number;
}

export interface DeliveryWorker {
  /** Polls until stop(): every pollIntervalMs while there is work, backing off to idlePollMaxMs while idle. */
  start(): void;
  /** Pending deliveries were just written in this process (enqueued, or reset for a retry): poll now. */
  nudge(): void;
  /** Stops polling; attempts in flight finish and their outcome is stored; then senders close. */
  stop(): Promise<void>;
  /** One poll: starts attempts for due deliveries (up to the free slots); resolves when they are stored. */
  runOnce(): Promise<number>;
}

/**
 * Sends what the outbox holds. Invariants:
 * - A delivery's new state is stored after each attempt; until then the row stays pending, so a
 *   crash mid-attempt repeats the attempt (at-least-once; receivers deduplicate on Idempotency-Key).
 * - Per destination and alert, only the lowest pending version is attempted (the store query), so
 *   version N+1 never overtakes N; N must be delivered or failed first.
 * - At most `concurrency` attempts are in flight.
 * Run one worker per outbox (one notify process): two would both attempt the same due rows.
 */
export function createDeliveryWorker(
  cfg: WorkerConfig,
  deps: {
    store: Store;
    logger: Logger;
    senders: SenderPool;
    metrics?: NotifyMetrics;
    /** Called every reconcileIntervalMs (catches versions written by other processes or by triage). */
    reconcile?: () => Promise<unknown>;
    now?: () => number;
    random?: () => number;
  },
): DeliveryWorker {
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const log = deps.logger.child({ component: 'delivery-worker' });
  const inFlight = new Map<string, Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  /** Ends the wait between polls early (stop). */
  let wake: (() => void) | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let lastReconcile = now();
  const reconcileEvery = cfg.reconcileIntervalMs ?? 15_000;
  const idleMax = Math.max(cfg.pollIntervalMs, cfg.idlePollMaxMs ?? cfg.pollIntervalMs);
  /** The next wait while polls find nothing: doubles up to idleMax, back to pollIntervalMs on work or a nudge. */
  let idleWait = cfg.pollIntervalMs;
  /** A nudge that came while no wait was pending: the next wait is skipped. */
  let nudged = false;
  /** Due times (ms) of the retries this worker scheduled, so a backed-off wait never oversleeps them. */
  let retriesDue: number[] = [];

  async function attempt(d: OutboxDelivery, dest: DestinationWithSecrets | undefined): Promise<void> {
    let outcome: SendOutcome;
    if (dest === undefined) {
      outcome = { kind: 'failed', error: 'destination deleted' };
    } else {
      try {
        outcome = await deps.senders.get(dest).send(d.alert, { idempotencyKey: d.idempotencyKey, now: new Date(now()) });
      } catch (err) {
        // Senders report outcomes as values; a throw is a bug or an unforeseen network error: retry.
        outcome = { kind: 'retry', error: errorMessage(err) };
      }
    }
    const next = afterOutcome(d, outcome, now(), cfg, random);
    try {
      await deps.store.saveDelivery(next);
    } catch (err) {
      // The row stays as it was (pending, due): the attempt is repeated later, never lost.
      log.error({ event: 'delivery_state_write_failed', delivery_id: d.id, err_message: errorMessage(err) }, 'delivery_state_write_failed');
      return;
    }
    if (next.status === 'pending' && next.nextAttemptAt !== undefined) retriesDue.push(Date.parse(next.nextAttemptAt));
    const label = next.status === 'pending' ? 'retry' : next.status;
    deps.metrics?.deliveries.inc({ destination: d.destinationId, outcome: label });
    const fields = {
      event: 'delivery_attempted',
      delivery_id: d.id,
      destination_id: d.destinationId,
      alert_id: d.alertId,
      alert_version: d.alertVersion,
      attempts: next.attempts,
      status: next.status,
      ...(outcome.status === undefined ? {} : { http_status: outcome.status }),
      ...(outcome.kind === 'delivered' ? {} : { error: outcome.error }),
      ...(next.nextAttemptAt === undefined ? {} : { next_attempt_at: next.nextAttemptAt }),
    };
    if (next.status === 'failed') log.warn(fields, 'delivery_failed');
    else log.info(fields, 'delivery_attempted');
  }

  async function poll(): Promise<Promise<void>[]> {
    const free = cfg.concurrency - inFlight.size;
    if (free <= 0) return [];
    const due = await deps.store.dueDeliveries({ now: new Date(now()).toISOString(), limit: free, exclude: [...inFlight.keys()] });
    if (due.length === 0) return [];
    const dests = new Map((await deps.store.listDestinations()).map((d) => [d.id, d]));
    return due.map((d) => {
      const p = attempt(d, dests.get(d.destinationId))
        .catch((err: unknown) => log.error({ event: 'delivery_attempt_crashed', delivery_id: d.id, err_message: errorMessage(err) }, 'delivery_attempt_crashed'))
        .finally(() => inFlight.delete(d.id));
      inFlight.set(d.id, p);
      return p;
    });
  }

  /** How long to wait before the next poll, given how many attempts the last one started. */
  function nextWait(started: number): number {
    const t = now();
    retriesDue = retriesDue.filter((due) => due > t);
    const busy = started > 0 || inFlight.size > 0;
    if (busy) idleWait = cfg.pollIntervalMs;
    const wait = idleWait;
    if (!busy) idleWait = Math.min(idleMax, idleWait * 2);
    // A retry due sooner, or the periodic reconcile, wakes the worker on time (not before
    // pollIntervalMs: due rows are found by the query).
    const firstDue = retriesDue.length === 0 ? Infinity : Math.min(...retriesDue);
    const reconcileAt = deps.reconcile ? lastReconcile + reconcileEvery : Infinity;
    return Math.min(wait, Math.max(Math.min(firstDue, reconcileAt) - t, cfg.pollIntervalMs));
  }

  /**
   * Polls until stopped. After starting attempts it polls again as soon as one finishes (a backlog
   * drains at the receivers' pace, not one batch per interval), else after pollIntervalMs while
   * attempts are in flight, and after a doubling wait (up to idlePollMaxMs) while polls find
   * nothing, cut short by a nudge or by the due time of a retry this worker scheduled.
   */
  async function run(): Promise<void> {
    while (!stopped) {
      let started = 0;
      try {
        if (deps.reconcile && now() - lastReconcile >= reconcileEvery) {
          lastReconcile = now();
          await deps.reconcile();
        }
        const attempts = await poll();
        started = attempts.length;
        // Attempts run on; they are tracked in inFlight (stop() waits for them).
        void Promise.all(attempts);
      } catch (err) {
        log.error({ event: 'delivery_poll_failed', err_message: errorMessage(err) }, 'delivery_poll_failed');
      }
      if (stopped) break;
      if (nudged) {
        nudged = false;
        continue;
      }
      const wait = nextWait(started);
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, wait);
        if (started > 0) void Promise.race(inFlight.values()).then(() => resolve());
      });
      clearTimeout(timer);
      timer = undefined;
      wake = undefined;
    }
  }

  return {
    start() {
      if (running !== undefined || stopped) return;
      running = run();
    },
    async stop() {
      stopped = true;
      wake?.();
      await running;
      await Promise.allSettled([...inFlight.values()]);
      await deps.senders.closeAll();
    },
    nudge() {
      idleWait = cfg.pollIntervalMs;
      if (wake) wake();
      else nudged = true;
    },
    async runOnce() {
      const started = await poll();
      await Promise.all(started);
      return started.length;
    },
  };
}
