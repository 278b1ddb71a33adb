import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Gauge, Histogram, type Registry } from 'prom-client';
import type { Logger } from '../log/index.js';
import type { ChangeTracker } from './changes.js';
import type { BaselineSnapshot } from './snapshot.js';

/** What the snapshotter needs of the detector runtime (detectors/framework.ts DetectorRuntime). */
export interface SnapshotSource {
  snapshotChanged(version: number): { principals: ReadonlySet<string> | undefined; steps: readonly (() => BaselineSnapshot[])[] } | undefined;
  nextVersion(now: number): number;
  readonly changes: Pick<ChangeTracker, 'requeue' | 'positions'>;
}

/** Where snapshots go (libs/store Store). */
export interface SnapshotSink {
  saveBaselines(rows: BaselineSnapshot[]): Promise<void>;
  saveBaselinePositions(positions: readonly { partition: number; nextOffset: bigint; version: number }[]): Promise<void>;
}

/** Runs `fn` every `ms` of wall-clock time; returns a cancel function. Injected by tests. */
export type Schedule = (fn: () => void, ms: number) => () => void;

export interface BaselineSnapshotter {
  /** Starts the periodic timer (a no-op when the interval is 0). */
  start(): void;
  /** Takes one incremental snapshot now (one at a time: a call during a run waits for that run). */
  snapshotNow(): Promise<{ rows: number }>;
  /** Resolves once no snapshot is in flight (a tick's snapshot runs in the background). */
  whenIdle(): Promise<void>;
  /** Cancels the timer and waits for a snapshot in flight. */
  stop(): Promise<void>;
}

const defaultSchedule: Schedule = (fn, ms) => {
  const t = setInterval(fn, ms);
  // The timer alone must not keep a finished process (replay) alive.
  t.unref();
  return () => clearInterval(t);
};

/**
 * Periodic incremental baseline snapshots (wall-clock interval, not event time: they bound what a
 * crash loses, they are not detection). Each run saves the principals changed since the previous
 * run plus every cohort row, one detector at a time in chunks of `chunkRows`, yielding to the event
 * loop between them so detection goes on meanwhile; then, in Kafka mode, the partition positions
 * the rows reflect (handoff markers, see services/kafka/handoff.ts). A failed run logs, puts its
 * principals back in the dirty set and is retried by the next interval.
 */
export function createBaselineSnapshotter(
  cfg: { intervalSeconds: number; chunkRows?: number },
  deps: { source: SnapshotSource; sink: SnapshotSink; logger: Logger; registry: Registry; schedule?: Schedule; now?: () => number },
): BaselineSnapshotter {
  const log = deps.logger.child({ component: 'baseline-snapshots' });
  const now = deps.now ?? Date.now;
  const chunkRows = cfg.chunkRows ?? 5000;
  const seconds = new Histogram({
    name: 'vigil_baseline_snapshot_seconds',
    help: 'Wall-clock duration of one baseline snapshot (incremental, periodic)',
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60],
    registers: [deps.registry],
  });
  const rowsGauge = new Gauge({
    name: 'vigil_baseline_snapshot_rows',
    help: 'Baseline rows written by the last periodic snapshot',
    registers: [deps.registry],
  });
  let cancel: (() => void) | undefined;
  let inFlight: Promise<{ rows: number }> | undefined;

  async function run(): Promise<{ rows: number }> {
    const started = performance.now();
    const version = deps.source.nextVersion(now());
    // Positions first: rows saved below reflect at least the events up to them.
    const positions = [...deps.source.changes.positions()].map(([partition, nextOffset]) => ({ partition, nextOffset, version }));
    const job = deps.source.snapshotChanged(version);
    if (job === undefined) return { rows: 0 };
    let rows = 0;
    try {
      for (const step of job.steps) {
        const out = step();
        for (let i = 0; i < out.length; i += chunkRows) {
          await deps.sink.saveBaselines(out.slice(i, i + chunkRows));
        }
        rows += out.length;
        await yieldToLoop();
      }
      await deps.sink.saveBaselinePositions(positions);
    } catch (e) {
      deps.source.changes.requeue(job.principals);
      throw e;
    }
    const took = (performance.now() - started) / 1000;
    seconds.observe(took);
    rowsGauge.set(rows);
    log.info({ event: 'baseline_snapshot_saved', rows, principals: job.principals?.size ?? 'all', seconds: Math.round(took * 1000) / 1000 });
    return { rows };
  }

  function snapshotNow(): Promise<{ rows: number }> {
    if (inFlight) return inFlight.then(() => snapshotNow());
    const p = run().finally(() => {
      inFlight = undefined;
    });
    inFlight = p;
    return p;
  }

  return {
    start() {
      if (cfg.intervalSeconds <= 0 || cancel) return;
      cancel = (deps.schedule ?? defaultSchedule)(() => {
        if (inFlight) return; // still saving the previous one: this tick is merged into the next
        snapshotNow().catch((e: unknown) => log.warn({ event: 'baseline_snapshot_failed', err: e }, 'baseline snapshot failed; retried next interval'));
      }, cfg.intervalSeconds * 1000);
    },
    snapshotNow,
    async whenIdle() {
      while (inFlight) await inFlight.catch(() => undefined);
    },
    async stop() {
      cancel?.();
      cancel = undefined;
      await inFlight?.catch(() => undefined);
    },
  };
}
