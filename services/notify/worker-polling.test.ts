import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DestinationWithSecrets } from '../../libs/contracts/index.js';
import { makeAlert, silentLogger } from '../../libs/store/test-support/fixtures.js';
import type { OutboxDelivery, Store } from '../../libs/store/types.js';
import type { SenderPool } from './sender-pool.js';
import type { SendOutcome } from './types.js';
import { createDeliveryWorker } from './worker.js';

// When the worker polls, on a fake clock: every poll is a ClickHouse query, so an idle worker
// backs off, while deliveries it is told about, and retries it scheduled, are still attempted on time.

const START = Date.UTC(2026, 10, 30, 12);

/** An outbox in memory: `dueDeliveries` answers the pending rows due by the (fake) clock. */
function memoryOutbox() {
  const rows = new Map<string, OutboxDelivery>();
  const polls: number[] = [];
  const store = {
    dueDeliveries: ({ limit, exclude }: { now: string; limit: number; exclude: string[] }) => {
      polls.push(Date.now() - START);
      const due = [...rows.values()].filter(
        (d) => d.status === 'pending' && !exclude.includes(d.id) && Date.parse(d.nextAttemptAt ?? '') <= Date.now(),
      );
      return Promise.resolve(due.slice(0, limit));
    },
    listDestinations: () => Promise.resolve([{ id: 'dst_1' } as DestinationWithSecrets]),
    saveDelivery: (d: OutboxDelivery) => {
      rows.set(d.id, d);
      return Promise.resolve();
    },
  };
  const add = (id: string): void => {
    const at = new Date(Date.now()).toISOString();
    rows.set(id, {
      id, rev: 1, destinationId: 'dst_1', alertId: id, alertVersion: 1, idempotencyKey: `${id}:1`, status: 'pending', attempts: 0,
      nextAttemptAt: at, createdAt: at, updatedAt: at, alert: makeAlert(id),
    });
  };
  return { rows, polls, add, store: store as unknown as Store };
}

/** Senders that answer from a script and note the (fake) time of each attempt. */
function scriptedSenders(outcomes: SendOutcome[]) {
  const sentAt: number[] = [];
  const senders: SenderPool = {
    get: () => ({
      send: () => {
        sentAt.push(Date.now() - START);
        return Promise.resolve(outcomes.shift() ?? { kind: 'delivered', status: 200 });
      },
      close: () => Promise.resolve(),
    }),
    closeAll: () => Promise.resolve(),
  };
  return { sentAt, senders };
}

const policy = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 60_000, concurrency: 2, pollIntervalMs: 100 };

describe('delivery worker polling', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(START);
  });
  afterEach(() => vi.useRealTimers());

  it('backs off while polls find nothing, doubling from pollIntervalMs up to idlePollMaxMs', async () => {
    const outbox = memoryOutbox();
    const worker = createDeliveryWorker({ ...policy, idlePollMaxMs: 800 }, { store: outbox.store, logger: silentLogger, senders: scriptedSenders([]).senders });
    worker.start();
    await vi.advanceTimersByTimeAsync(3100);
    expect(outbox.polls).toEqual([0, 100, 300, 700, 1500, 2300, 3100]);
    await worker.stop();
  });

  it('without idlePollMaxMs, polls every pollIntervalMs as before', async () => {
    const outbox = memoryOutbox();
    const worker = createDeliveryWorker(policy, { store: outbox.store, logger: silentLogger, senders: scriptedSenders([]).senders });
    worker.start();
    await vi.advanceTimersByTimeAsync(500);
    expect(outbox.polls).toEqual([0, 100, 200, 300, 400, 500]);
    await worker.stop();
  });

  it('polls at once when nudged, and starts backing off again from pollIntervalMs', async () => {
    const outbox = memoryOutbox();
    const { sentAt, senders } = scriptedSenders([]);
    const worker = createDeliveryWorker({ ...policy, idlePollMaxMs: 60_000 }, { store: outbox.store, logger: silentLogger, senders });
    worker.start();
    await vi.advanceTimersByTimeAsync(3000);
    // Waits of 100, 200, 400, 800, 1,600: the next poll would come at 6,300.
    expect(outbox.polls).toEqual([0, 100, 300, 700, 1500]);
    outbox.add('dlv_a');
    worker.nudge();
    await vi.advanceTimersByTimeAsync(0);
    expect(sentAt).toEqual([3000]);
    expect(outbox.rows.get('dlv_a')).toMatchObject({ status: 'delivered', attempts: 1 });
    await vi.advanceTimersByTimeAsync(400);
    // The attempt's end wakes the worker (3,000), then 100 and 200 ms waits again.
    expect(outbox.polls).toEqual([0, 100, 300, 700, 1500, 3000, 3000, 3100, 3300]);
    await worker.stop();
  });

  it('still reconciles every reconcileIntervalMs, however long the idle wait has grown', async () => {
    const outbox = memoryOutbox();
    const reconciled: number[] = [];
    const reconcile = () => {
      reconciled.push(Date.now() - START);
      return Promise.resolve(0);
    };
    const worker = createDeliveryWorker(
      { ...policy, idlePollMaxMs: 60_000, reconcileIntervalMs: 1000 },
      { store: outbox.store, logger: silentLogger, senders: scriptedSenders([]).senders, reconcile },
    );
    worker.start();
    await vi.advanceTimersByTimeAsync(4000);
    expect(reconciled).toEqual([1000, 2000, 3000, 4000]);
    // Each reconcile comes with a poll; between them the wait grows as before (100, 200, 400, then capped).
    expect(outbox.polls).toEqual([0, 100, 300, 700, 1000, 2000, 3000, 4000]);
    await worker.stop();
  });

  it('wakes for a retry it scheduled at its due time, however long the idle wait has grown', async () => {
    const outbox = memoryOutbox();
    const { sentAt, senders } = scriptedSenders([{ kind: 'retry', error: 'busy', status: 503, retryAfterMs: 3000 }]);
    const worker = createDeliveryWorker({ ...policy, idlePollMaxMs: 60_000 }, { store: outbox.store, logger: silentLogger, senders, random: () => 0 });
    outbox.add('dlv_r');
    worker.start();
    await vi.advanceTimersByTimeAsync(2999);
    expect(sentAt).toEqual([0]);
    expect(outbox.rows.get('dlv_r')).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: new Date(START + 3000).toISOString() });
    await vi.advanceTimersByTimeAsync(1);
    expect(sentAt).toEqual([0, 3000]);
    expect(outbox.rows.get('dlv_r')).toMatchObject({ status: 'delivered', attempts: 2 });
    await worker.stop();
  });
});
