import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOTIFY_DEFAULTS, type Alert } from '../../libs/contracts/index.js';
import { createStore } from '../../libs/store/index.js';
import { makeAlert, removeDataDir, silentLogger, storeConfig, tempDataDir } from '../../libs/store/test-support/fixtures.js';
import type { Store } from '../../libs/store/types.js';
import { createNotifier } from './index.js';
import { startReceiver, waitFor, type Answer, type Receiver } from './test-support/receiver.js';

// The real worker loop (real clock) against a real receiver that holds requests open.
const SECRET = 'whsec_worker_test_0123456789';
let store: Store;
let dataDir: string;
let rx: Receiver;

beforeAll(async () => {
  dataDir = await tempDataDir('notify-worker');
  store = await createStore(storeConfig(dataDir, 'notify_worker'), { logger: silentLogger });
  rx = await startReceiver(SECRET);
});
afterAll(async () => {
  await rx.close();
  await store.close();
  await removeDataDir(dataDir);
});

const alerts = (prefix: string, n: number): Alert[] => Array.from({ length: n }, (_, i) => makeAlert(`${prefix}${i}`, { updatedAt: new Date().toISOString() }));

function notifierFor(destinationId: string, concurrency: number) {
  return createNotifier(
    {
      ...NOTIFY_DEFAULTS,
      concurrency,
      pollIntervalMs: 10,
      destinations: [{ id: destinationId, name: destinationId, type: 'webhook', url: rx.url, secret: SECRET, allowPrivateNetwork: true }],
    },
    { store, logger: silentLogger, registry: new Registry(), version: '0.0.0-test', env: {} },
  );
}

describe('delivery worker', () => {
  it('never has more attempts in flight than its concurrency', async () => {
    const held: (() => void)[] = [];
    rx.answer = () => new Promise<Answer>((resolve) => held.push(() => resolve({ status: 200 })));
    const n = notifierFor('conc', 3);
    await n.start();
    try {
      await n.outbox.enqueue(alerts('alr_c', 10));
      for (let released = 0; released < 10; ) {
        // The worker fills every free slot; only then are the held requests released.
        const expected = Math.min(3, 10 - released);
        await waitFor(`${expected} held requests`, () => held.length === expected);
        const batch = held.splice(0);
        released += batch.length;
        for (const release of batch) release();
      }
      await waitFor('10 delivered', async () => (await store.listDeliveries({ destinationId: 'conc', status: 'delivered', limit: 100 })).length === 10);
      expect(rx.maxConcurrent).toBe(3);
    } finally {
      await n.stop();
    }
  });

  it('stops cleanly: an attempt in flight finishes and its outcome is stored', async () => {
    let release: (() => void) | undefined;
    rx.answer = () => new Promise<Answer>((resolve) => (release = () => resolve({ status: 200 })));
    const n = notifierFor('stop', 4);
    await n.start();
    await n.outbox.enqueue(alerts('alr_s', 1));
    await waitFor('the request to arrive', () => release !== undefined);
    let stopped = false;
    const stopping = n.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(stopped).toBe(false);
    release?.();
    await stopping;
    expect(await store.listDeliveries({ destinationId: 'stop', limit: 10 })).toMatchObject([{ idempotencyKey: 'alr_s0:1', status: 'delivered', attempts: 1 }]);
  });
});
