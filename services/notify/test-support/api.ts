import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import type { NotifyConfig, Role } from '../../../libs/contracts/index.js';
import { createAuditLog, createKeyService } from '../../../libs/auth/index.js';
import { createTokenizer } from '../../../libs/privacy/index.js';
import { createStore, type Store } from '../../../libs/store/index.js';
import { silentLogger, storeConfig, tempDataDir } from '../../../libs/store/test-support/fixtures.js';
import { createApiApp } from '../../api/app.js';
import { createAlertManager } from '../../detect/alert-manager.js';
import { createSuppressor } from '../../detect/suppressions.js';
import { createNotifier, type Notifier } from '../index.js';

export interface NotifyApiHarness {
  store: Store;
  notifier: Notifier;
  registry: Registry;
  call(path: string, opts?: { as?: Role; method?: string; json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

/**
 * The real API app (as services/api/test-support/harness.ts builds it) with the real notifier
 * mounted, on a real store. The worker does not poll: tests call notifier.worker.runOnce() on the
 * injected clock.
 */
export async function startNotifyApi(label: string, cfg: NotifyConfig, clock: { now: () => number; random: () => number }): Promise<NotifyApiHarness> {
  const dataDir = await tempDataDir(`notify-${label}`);
  const store = await createStore(storeConfig(dataDir, `notify_${label}`), { logger: silentLogger });
  const keys = createKeyService({ store });
  const audit = createAuditLog({ batchSize: 500, flushIntervalMs: 50, maxBuffered: 100_000 }, { store, logger: silentLogger });
  const suppressor = createSuppressor({ store });
  await suppressor.load();
  const alerts = createAlertManager({ store, logger: silentLogger, suppressor });
  const registry = new Registry();
  const notifier = createNotifier(cfg, { store, logger: silentLogger, registry, version: '0.0.0-test', env: {}, startWorker: false, ...clock });
  await notifier.start();
  const app = createApiApp(
    { maxBodyBytes: 4096, trustProxy: false },
    {
      store,
      logger: silentLogger,
      registry,
      keys,
      ingest: () => Promise.resolve({ accepted: 0, deadLettered: 0, duplicates: 0 }),
      alerts,
      suppressions: suppressor,
      ready: () => store.ping(),
      version: '0.0.0-test',
      audit: { log: audit, tokenizer: createTokenizer(randomBytes(32)) },
      notify: notifier.destinations,
    },
  );
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const key: Record<Role, string> = {
    admin: (await keys.create('admin', 'admin')).key,
    analyst: (await keys.create('analyst', 'analyst')).key,
    viewer: (await keys.create('viewer', 'viewer')).key,
  };
  return {
    store,
    notifier,
    registry,
    call(path, o = {}) {
      const headers: Record<string, string> = { authorization: `Bearer ${key[o.as ?? 'admin']}` };
      if (o.json !== undefined) headers['content-type'] = 'application/json';
      return fetch(base + path, { method: o.method ?? 'GET', headers, ...(o.json === undefined ? {} : { body: JSON.stringify(o.json) }) });
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
      await notifier.stop();
      await keys.flush();
      await audit.flush();
      await store.close();
    },
  };
}
