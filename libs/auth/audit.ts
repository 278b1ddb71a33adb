import type { AuditRecord } from '../contracts/index.js';
import type { Logger } from '../log/index.js';
import type { Store } from '../store/types.js';

/**
 * The audit trail's writer: API calls must not wait for ClickHouse, so rows are buffered and
 * written in batches (at batchSize rows, or flushIntervalMs after the first buffered row).
 * Nothing is dropped silently: a failed write keeps its rows for the next attempt and logs
 * `audit_write_failed`; only past maxBuffered rows are the oldest dropped, logged as
 * `audit_rows_dropped` with the count. stop() writes what is left.
 */
export interface AuditLog {
  record(row: AuditRecord): void;
  /** Writes everything buffered now; rejects when the store refuses (rows stay buffered). */
  flush(): Promise<void>;
  /** Final flush; call before the store closes. */
  stop(): Promise<void>;
  /** Rows waiting to be written. */
  readonly buffered: number;
}

export interface AuditLogConfig {
  batchSize: number;
  flushIntervalMs: number;
  maxBuffered: number;
}

export function createAuditLog(cfg: AuditLogConfig, deps: { store: Pick<Store, 'insertAuditRecords'>; logger: Logger }): AuditLog {
  const logger = deps.logger.child({ component: 'audit' });
  let buffer: AuditRecord[] = [];
  let timer: NodeJS.Timeout | undefined;
  // One write at a time, in order: a chain every flush joins.
  let chain: Promise<void> = Promise.resolve();
  let stopped = false;

  async function writeOnce(): Promise<void> {
    while (buffer.length > 0) {
      const batch = buffer.slice(0, cfg.batchSize);
      try {
        await deps.store.insertAuditRecords(batch);
      } catch (err) {
        logger.error({ err, rows: buffer.length }, 'audit_write_failed');
        throw err;
      }
      // Rows recorded meanwhile were appended after `batch`, so dropping its length is exact.
      buffer = buffer.slice(batch.length);
    }
  }

  function flush(): Promise<void> {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    const run = chain.then(writeOnce);
    chain = run.catch(() => undefined);
    return run;
  }

  function background(): void {
    flush().catch(() => {
      // Already logged in writeOnce; retry after another interval while rows remain.
      if (!stopped && buffer.length > 0 && !timer) timer = setTimeout(background, cfg.flushIntervalMs).unref();
    });
  }

  return {
    record(row) {
      buffer.push(row);
      if (buffer.length > cfg.maxBuffered) {
        const dropped = buffer.length - cfg.maxBuffered;
        buffer = buffer.slice(dropped);
        logger.error({ rows: dropped }, 'audit_rows_dropped');
      }
      if (stopped) return;
      if (buffer.length >= cfg.batchSize) background();
      else timer ??= setTimeout(background, cfg.flushIntervalMs).unref();
    },
    flush,
    async stop() {
      stopped = true;
      try {
        await flush();
      } catch (err) {
        logger.error({ err, rows: buffer.length }, 'audit_rows_lost_at_shutdown');
        throw err;
      }
    },
    get buffered() {
      return buffer.length;
    },
  };
}
