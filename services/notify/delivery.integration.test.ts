import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema, type Finding, type NotifyConfig } from '../../libs/contracts/index.js';
import { removeDataDir, silentLogger, tempDataDir } from '../../libs/store/test-support/fixtures.js';
import { createCore, type Core } from '../core.js';
import { createNotifier, type Notifier } from './index.js';
import { startReceiver, waitFor, type Receiver } from './test-support/receiver.js';

// Real chDB, the real alert manager and outbox, the real webhook sender and a real HTTP receiver.
const SECRET = 'whsec_delivery_test_0123456789';
let dataDir: string;

beforeAll(async () => {
  dataDir = await tempDataDir('notify-delivery');
});
afterAll(async () => {
  await removeDataDir(dataDir);
});

const finding = (principal: string, n: number): Finding => ({
  detector: 'bola/enumeration',
  owasp: 'API1:2023',
  severity: 'high',
  principal,
  route: '/fhir/Patient/{id}',
  ts: Date.parse('2026-11-29T06:00:00.000Z') + n * 1000,
  eventId: `ev-${principal}-${n}`,
  sourceIp: '10.0.0.9',
  summary: `${principal} read many patients`,
  evidence: { pattern: 'distinct_ids' },
  confidence: 0.7,
});

interface Running {
  core: Core;
  notifier: Notifier;
  close(): Promise<void>;
}

/** `vigil start` in miniature: core with the outbox hook, notifier started (config sync, reconcile, worker). */
async function open(database: string, url: string, notify: Partial<NotifyConfig>, reconcileIntervalMs: number): Promise<Running> {
  const config = ConfigSchema.parse({
    dataDir,
    logLevel: 'silent',
    clickhouse: { database },
    notify: {
      destinations: [{ id: 'soc', name: 'SOC webhook', type: 'webhook', url, secret: SECRET, allowPrivateNetwork: true }],
      pollIntervalMs: 20,
      baseDelayMs: 5,
      maxDelayMs: 40,
      maxAttempts: 100,
      timeoutMs: 2000,
      ...notify,
    },
  });
  const ref: { n?: Notifier } = {};
  const core = await createCore(config, { logger: silentLogger, onAlertsWritten: (a) => ref.n?.onAlertsWritten(a) });
  const notifier = createNotifier(config.notify, { store: core.store, logger: silentLogger, registry: core.registry, version: '0.0.0-test', env: {}, reconcileIntervalMs });
  ref.n = notifier;
  await notifier.start();
  return {
    core,
    notifier,
    async close() {
      // start.ts's order: the worker stops before the store closes.
      await notifier.stop();
      await core.close();
    },
  };
}

async function feed(r: Running, principals: string[], from: number, to: number): Promise<void> {
  for (let n = from; n <= to; n++) {
    r.core.alerts.onFindings(principals.map((p) => finding(p, n)));
    await r.core.alerts.flush();
    await r.notifier.outbox.idle();
  }
}

function versionsInArrivalOrder(rx: Receiver, alertId: string): number[] {
  return rx.receipts.filter((x) => x.body.alert?.id === alertId).map((x) => x.body.alert?.version ?? 0);
}

describe('SIEM delivery through an outage', () => {
  it('gets every significant alert version to a receiver that answers 503 for a while, each key once, in order per alert', async () => {
    const rx = await startReceiver(SECRET);
    let requests = 0;
    rx.answer = () => (++requests <= 8 ? { status: 503 } : { status: 200 });
    const r = await open('notify_outage', rx.url, {}, 50);
    try {
      const principals = ['user:ann', 'user:bob', 'user:cy'];
      await feed(r, principals, 1, 10);
      const ids = (await r.core.store.listAlerts({ limit: 10 })).alerts.map((a) => a.id).sort();
      // Triage goes through the alert manager but not its flush hook: the worker's periodic reconcile finds it.
      for (const id of ids) await r.core.alerts.patch(id, { status: 'acknowledged' });
      const expected = ids.flatMap((id) => [`${id}:1`, `${id}:10`, `${id}:11`]).sort();
      await waitFor('9 deliveries', async () => (await r.core.store.listDeliveries({ status: 'delivered', limit: 100 })).length === 9);

      expect(rx.accepted().sort()).toEqual(expected);
      const okPerKey = new Map<string, number>();
      for (const x of rx.receipts) if (x.status === 200) okPerKey.set(x.idempotencyKey, (okPerKey.get(x.idempotencyKey) ?? 0) + 1);
      expect([...okPerKey.values()]).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
      expect(rx.receipts.length).toBe(17);
      expect(rx.receipts.every((x) => x.signatureValid && x.body.idempotencyKey === x.idempotencyKey)).toBe(true);
      for (const id of ids) {
        const seen = versionsInArrivalOrder(rx, id);
        expect(seen).toEqual([...seen].sort((a, b) => a - b));
        expect([...new Set(seen)]).toEqual([1, 10, 11]);
      }
      expect(await r.core.store.listDeliveries({ status: 'pending', limit: 100 })).toEqual([]);
      const counter = await r.core.registry.getSingleMetric('vigil_deliveries_total')?.get();
      expect(counter?.values.map((v) => [v.labels.outcome, v.value]).sort()).toEqual([
        ['delivered', 9],
        ['retry', 8],
      ]);
    } finally {
      await r.close();
      await rx.close();
    }
  });

  it('delivers after a restart what was pending when Vigil stopped, and what was stored but never enqueued', async () => {
    // The receiver is down (nothing listens on its port) during the first run.
    const probe = await startReceiver(SECRET);
    const port = Number(new URL(probe.url).port);
    await probe.close();
    const url = `http://127.0.0.1:${port}/vigil`;

    const first = await open('notify_restart', url, {}, 3_600_000);
    await feed(first, ['user:dee', 'user:eve'], 1, 1);
    // A crash between the alert write and the enqueue: the alert is stored, the hook never ran.
    const orphan = (await first.core.store.listAlerts({ principal: 'user:dee', limit: 1 })).alerts[0];
    if (orphan === undefined) throw new Error('no alert');
    const lost = { ...orphan, id: 'alr_written_before_crash', principal: 'user:fay', updatedAt: new Date().toISOString() };
    await first.core.store.upsertAlerts([lost]);
    await waitFor('two failed attempts each', async () => (await first.core.store.listDeliveries({ status: 'pending', limit: 10 })).every((d) => d.attempts >= 2));
    const pendingBefore = await first.core.store.listDeliveries({ status: 'pending', limit: 10 });
    expect(pendingBefore.length).toBe(2);
    await first.close();

    const rx = await startReceiver(SECRET, port);
    const second = await open('notify_restart', url, {}, 3_600_000);
    try {
      await waitFor('3 deliveries', async () => (await second.core.store.listDeliveries({ status: 'delivered', limit: 10 })).length === 3);
      const keys = [...pendingBefore.map((d) => d.idempotencyKey), 'alr_written_before_crash:1'].sort();
      expect(rx.accepted().sort()).toEqual(keys);
      expect(rx.receipts.map((x) => x.status)).toEqual([200, 200, 200]);
      expect(await second.core.store.listDeliveries({ status: 'pending', limit: 10 })).toEqual([]);
    } finally {
      await second.close();
      await rx.close();
    }
  });
});
