import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, ConfiguredDestination } from '../../libs/contracts/index.js';
import { createStore } from '../../libs/store/index.js';
import { makeAlert, removeDataDir, silentLogger, storeConfig, tempDataDir } from '../../libs/store/test-support/fixtures.js';
import type { Store } from '../../libs/store/types.js';
import { configDestinationId, syncConfigDestinations } from './config-sync.js';
import type { CheckUrl } from './destinations.js';
import { createOutbox } from './outbox.js';
import { checkDestinationUrl } from '../../libs/outbound/index.js';

let store: Store;
let dataDir: string;
const t = Date.parse('2026-11-29T08:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();
const checkUrl: CheckUrl = checkDestinationUrl;

beforeAll(async () => {
  dataDir = await tempDataDir('notify-outbox');
  store = await createStore(storeConfig(dataDir, 'notify_outbox'), { logger: silentLogger });
});
afterAll(async () => {
  await store.close();
  await removeDataDir(dataDir);
});

const keys = async (destinationId: string): Promise<string[]> => (await store.listDeliveries({ destinationId, limit: 1000 })).map((d) => d.idempotencyKey).sort();

describe('config destinations', () => {
  it('syncs declared destinations as read-only config rows, with secrets from files and environment', async () => {
    const secretFile = join(dataDir, 'webhook.secret');
    writeFileSync(secretFile, 'whsec_from_a_file_0123456789\n');
    const declared: ConfiguredDestination[] = [
      { id: 'soc', name: 'SOC', type: 'webhook', url: 'http://127.0.0.1:9/hook', secretFile, allowPrivateNetwork: true },
      { name: 'Splunk', type: 'splunk-hec', url: 'http://127.0.0.1:9/services/collector/event', tokenEnv: 'SPLUNK_HEC_TOKEN', allowPrivateNetwork: true, minSeverity: 'high' },
    ];
    const env = { SPLUNK_HEC_TOKEN: 'hec-from-env' };
    expect(await syncConfigDestinations(declared, { store, checkUrl, env, logger: silentLogger, now: () => t })).toEqual({ created: 2, updated: 0, removed: 0 });
    const splunkId = configDestinationId({ name: 'Splunk' });
    expect(splunkId).toMatch(/^cfg_[0-9a-f]{16}$/);
    expect(await store.getDestination('soc')).toMatchObject({ source: 'config', secret: 'whsec_from_a_file_0123456789', hasSecret: true, createdAt: iso(t) });
    expect(await store.getDestination(splunkId)).toMatchObject({ source: 'config', token: 'hec-from-env', minSeverity: 'high' });

    // Unchanged: nothing written (senders keep their connections); one dropped: deleted.
    const later = t + 60_000;
    expect(await syncConfigDestinations(declared, { store, checkUrl, env, logger: silentLogger, now: () => later })).toEqual({ created: 0, updated: 0, removed: 0 });
    expect(await syncConfigDestinations([{ ...declared[0], minSeverity: 'critical' } as ConfiguredDestination], { store, checkUrl, env, logger: silentLogger, now: () => later })).toEqual({
      created: 0,
      updated: 1,
      removed: 1,
    });
    expect(await store.getDestination('soc')).toMatchObject({ minSeverity: 'critical', createdAt: iso(t), updatedAt: iso(later) });
    expect(await store.getDestination(splunkId)).toBeUndefined();
  });

  it('fails the start with a message naming the entry', async () => {
    const sync = (d: ConfiguredDestination, env: Record<string, string> = {}) => syncConfigDestinations([d], { store, checkUrl, env, logger: silentLogger });
    await expect(sync({ name: 'a', type: 'webhook', url: 'http://127.0.0.1:9/', secretEnv: 'NOPE', allowPrivateNetwork: true })).rejects.toThrow(
      'notify.destinations[0] "a": secretEnv NOPE is not set',
    );
    await expect(sync({ name: 'b', type: 'webhook', url: 'http://127.0.0.1:9/', secretFile: '/nonexistent/secret', allowPrivateNetwork: true })).rejects.toThrow(
      'notify.destinations[0] "b": secretFile /nonexistent/secret: cannot read it',
    );
    await expect(sync({ name: 'c', type: 'webhook', url: 'http://169.254.169.254/', secret: 'whsec_0123456789abcdef' })).rejects.toThrow(
      'notify.destinations[0] "c": destination "c" (webhook): destination 169.254.169.254 is a link-local address',
    );
    await expect(sync({ name: 'd', type: 'splunk-hec', url: 'http://127.0.0.1:9/', allowPrivateNetwork: true })).rejects.toThrow('needs a token');
  });
});

describe('outbox', () => {
  const at = (s: number): string => iso(t + s * 1000);
  const v = (n: number, over: Partial<Alert> = {}): Alert => makeAlert('alr_o', { version: n, count: n, updatedAt: at(n), ...over });

  it('enqueues new alerts, severity and status changes and power-of-ten counts, never a plain repeat', async () => {
    const outbox = createOutbox({}, { store, logger: silentLogger, now: () => t });
    // "soc" now takes critical only; make it take everything for this test.
    await store.putDestination({ ...(await store.getDestination('soc'))!, minSeverity: undefined });
    for (let n = 1; n <= 12; n++) await outbox.enqueue([v(n)]);
    await outbox.enqueue([v(13, { severity: 'critical' })]);
    await outbox.enqueue([v(14, { severity: 'critical', status: 'resolved' })]);
    await outbox.enqueue([v(14, { severity: 'critical', status: 'resolved' })]);
    expect(await keys('soc')).toEqual(['alr_o:1', 'alr_o:10', 'alr_o:13', 'alr_o:14']);
  });

  it('reconciles versions stored but never enqueued, once, and never sends a destination alerts older than it', async () => {
    const outbox = createOutbox({ reconcileMarginMs: 0 }, { store, logger: silentLogger, now: () => t });
    await store.upsertAlerts([makeAlert('alr_crash', { updatedAt: at(100) }), makeAlert('alr_old', { updatedAt: iso(t - 3_600_000) })]);
    await store.putDestination({ ...(await store.getDestination('soc'))!, id: 'late', name: 'late', createdAt: at(50), updatedAt: at(50) });
    expect(await outbox.reconcile()).toBe(2);
    expect(await keys('soc')).toEqual(['alr_crash:1', 'alr_o:1', 'alr_o:10', 'alr_o:13', 'alr_o:14']);
    expect(await keys('late')).toEqual(['alr_crash:1']);
    expect(await outbox.reconcile()).toBe(0);
    // A fresh process (no memory of earlier reconciles) finds nothing new either.
    expect(await createOutbox({}, { store, logger: silentLogger, now: () => t }).reconcile()).toBe(0);
  });

  it('enqueues from the alert hook in the background and catches up after a failed write', async () => {
    // The real store, with its next outbox write failing once (a ClickHouse hiccup).
    let failNext = true;
    const flaky: Store = {
      ...store,
      enqueueDeliveries: (rows, when) => {
        if (!failNext) return store.enqueueDeliveries(rows, when);
        failNext = false;
        return Promise.reject(new Error('store unavailable'));
      },
    };
    const outbox = createOutbox({}, { store: flaky, logger: silentLogger, now: () => t });
    const lost = makeAlert('alr_hook_lost', { updatedAt: at(200) });
    await store.upsertAlerts([lost]);
    outbox.submit([lost]);
    await outbox.idle();
    expect(await keys('late')).toEqual(['alr_crash:1']);
    outbox.submit([makeAlert('alr_hook', { updatedAt: at(201) })]);
    await outbox.idle();
    expect(await keys('late')).toEqual(['alr_crash:1', 'alr_hook:1', 'alr_hook_lost:1']);
    await outbox.close();
    outbox.submit([makeAlert('alr_after_close', { updatedAt: at(202) })]);
    await outbox.idle();
    expect(await keys('late')).toEqual(['alr_crash:1', 'alr_hook:1', 'alr_hook_lost:1']);
  });
});
