import type { DeadLetter, NormalizedEvent } from '../../libs/contracts/index.js';
import { VigilError } from '../../libs/errors/index.js';
import type { Logger } from '../../libs/log/index.js';
import { createEventRowBuffer, type EncodedEventRows } from '../../libs/store/event-rows.js';
import type { Store } from '../../libs/store/types.js';
import type { AlertManager } from '../detect/alert-manager.js';
import type { PipelineMetrics } from './metrics.js';

export interface BatchWriter {
  /**
   * Buffers an event. When the buffer reaches the batch size and no write is running, the writer
   * starts one itself in the background (so parsing and detection go on while ClickHouse writes)
   * and returns false; it returns true (the caller should await `flush`) when another full batch
   * waits behind that running write: that is the backpressure. Durability still comes only from `flush`.
   */
  addEvent(e: NormalizedEvent): boolean;
  addDeadLetter(d: DeadLetter): boolean;
  /** Writes everything buffered so far. Concurrent calls share one write at a time, in order. */
  flush(): Promise<void>;
  /** Rows buffered and not yet written. */
  pending(): number;
  /** Starts the periodic flush, so a quiet stream still lands within flushIntervalMs. */
  start(): void;
  /** Stops the timer and writes what is left. */
  stop(): Promise<void>;
}

/** Past this many buffered rows new input is refused with a retriable error instead of growing memory. */
const MAX_BUFFER_BATCHES = 20;

/**
 * Batches rows for ClickHouse. Order inside a flush matters: events first, then dead letters, then
 * alerts, because alerts cite sample event ids that must already be readable.
 * NOTE: a failed write keeps its rows buffered; the next flush retries them. Writes are idempotent
 * (deterministic ids), so a write that half-succeeded merges away on retry.
 */
export function createBatchWriter(
  cfg: { batchSize: number; flushIntervalMs: number },
  deps: { store: Store; alerts: AlertManager; logger: Logger; metrics: PipelineMetrics },
): BatchWriter {
  const log = deps.logger.child({ component: 'batch-writer' });
  // Events are encoded as they arrive and held as bytes until written (libs/store/event-rows.ts):
  // objects held for a whole batch would be promoted by the garbage collector only to die old.
  const events = createEventRowBuffer();
  /** Inserts a failed write took, retried first by the next one. */
  let retry: EncodedEventRows[] = [];
  let dead: DeadLetter[] = [];
  let chain: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  /** A write the writer started itself (see addEvent), until it settles. */
  let background: Promise<void> | undefined;
  let backgroundFailed = false;

  const eventRows = () => retry.reduce((n, r) => n + r.rows, 0) + events.rows;
  const pending = () => eventRows() + dead.length;
  const guard = () => {
    if (pending() >= cfg.batchSize * MAX_BUFFER_BATCHES) {
      throw new VigilError('store_unavailable', `write buffer full (${pending()} rows): the store is not keeping up`, {
        publicMessage: 'store is not keeping up; retry later',
      });
    }
  };

  async function writeOnce(): Promise<void> {
    const ev = retry.concat(events.take());
    const dl = dead;
    retry = [];
    dead = [];
    for (let i = 0; i < ev.length; i++) {
      try {
        await deps.store.insertEventRows(ev[i] as EncodedEventRows);
      } catch (e) {
        // Inserts already written stay written; the rest are retried before anything newer.
        retry = ev.slice(i).concat(retry);
        dead = dl.concat(dead);
        throw e;
      }
    }
    try {
      if (dl.length > 0) await deps.store.insertDeadLetters(dl);
    } catch (e) {
      dead = dl.concat(dead);
      throw e;
    }
    await deps.alerts.flush();
  }

  function flush(): Promise<void> {
    const run = chain.then(writeOnce);
    // Keep the chain alive after a failure so later flushes still run (and retry the rows).
    chain = run.catch(() => undefined);
    return run.then(
      () => {
        backgroundFailed = false;
        deps.metrics.flushes.inc({ outcome: 'ok' });
        deps.metrics.buffered.set(pending());
      },
      (e: unknown) => {
        deps.metrics.flushes.inc({ outcome: 'error' });
        deps.metrics.buffered.set(pending());
        throw e;
      },
    );
  }

  /**
   * A full batch: write it in the background unless a write already runs (then the caller waits).
   * NOTE: a failed background write keeps its rows buffered, like a failed periodic flush; the
   * caller's next `flush` retries them and reports the failure, so nothing is lost or hidden.
   */
  function full(rows: number): boolean {
    // NOTE: the running write takes its rows only when it starts (after earlier writes), so until
    // then the buffer still counts them: wait for a second full batch before pushing back.
    if (background !== undefined) return rows >= 2 * cfg.batchSize;
    // After a failed background write the caller flushes itself, so the failure reaches it.
    if (backgroundFailed) return true;
    background = flush()
      .catch((e: unknown) => {
        backgroundFailed = true;
        log.warn({ event: 'background_flush_failed', err: e }, 'background write failed; rows kept for the next flush');
      })
      .finally(() => (background = undefined));
    return false;
  }

  return {
    addEvent(e) {
      guard();
      events.add(e);
      const rows = eventRows();
      return rows >= cfg.batchSize && full(rows);
    },
    addDeadLetter(d) {
      guard();
      dead.push(d);
      return dead.length >= cfg.batchSize && full(dead.length);
    },
    flush,
    pending,
    start() {
      timer = setInterval(() => {
        if (pending() === 0) return;
        flush().catch((e: unknown) => log.error({ event: 'flush_failed', err: e }, 'periodic flush failed; rows kept for retry'));
      }, cfg.flushIntervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await flush();
    },
  };
}
