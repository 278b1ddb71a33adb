import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import type { InputFormat, Role } from '../../../libs/contracts/index.js';
import { randomBytes } from 'node:crypto';
import { createAuditLog, createKeyService, type AuditLog, type KeyService, type OidcVerifier } from '../../../libs/auth/index.js';
import type { ConsoleSsoProvider } from '../../../libs/auth/index.js';
import { createTokenizer, type Keyring, type Tokenizer } from '../../../libs/privacy/index.js';
import type { Logger } from '../../../libs/log/index.js';
import { createStore, type Store } from '../../../libs/store/index.js';
import { silentLogger, storeConfig, tempDataDir } from '../../../libs/store/test-support/fixtures.js';
import { createApiApp } from '../app.js';
import type { IngestFn } from '../types.js';
import type { RateLimitConfig } from '../rate-limit.js';
import { createAlertManager, type AlertManager } from '../../detect/alert-manager.js';
import { createSuppressor } from '../../detect/suppressions.js';
import { NotifyConfigSchema } from '../../../libs/contracts/index.js';
import { InventoryConfigSchema } from '../../../libs/contracts/inventory-config.js';
import { createInventory } from '../../inventory/index.js';
import { createNotifier, type Notifier } from '../../notify/index.js';
import { createAlertFeed, type AlertFeed } from '../routes/stream.js';

export interface IngestCall {
  body: string;
  format: InputFormat;
  source: string;
}

export interface Harness {
  base: string;
  store: Store;
  keys: KeyService;
  /** One stored key per role, made at start-up. */
  key: Record<Role, string>;
  ingestCalls: IngestCall[];
  registry: Registry;
  /** The real alert manager behind PATCH /v1/alerts, for tests that feed it findings. */
  alerts: AlertManager;
  /** The real audit writer (flush() before reading audit_log) and the tokenizer it uses. */
  audit: AuditLog;
  tokenizer: Tokenizer;
  /** fetch against the app with `Authorization: Bearer <key of role>` unless `as` is null. */
  call(path: string, opts?: { as?: Role | null; method?: string; json?: unknown; body?: string; headers?: Record<string, string> }): Promise<Response>;
  /** The SSE feed behind GET /v1/alerts/stream, fed by the alert manager's onWritten as in `vigil start`. */
  feed: AlertFeed;
  close(): Promise<void>;
}

/** One real store per test file (chDB binds one data directory per process), one app on port 0. */
export async function startHarness(
  label: string,
  opts: {
    maxBodyBytes?: number;
    ingest?: IngestFn;
    logger?: Logger;
    rateLimit?: RateLimitConfig;
    oidc?: OidcVerifier;
    /** Console SSO settings (GET /v1/session/sso, CSP connect-src). */
    consoleSso?: ConsoleSsoProvider;
    now?: () => Date;
    keyring?: Pick<Keyring, 'tokens'>;
    /** Console sessions (lifetimes, clock) and the built console directory. */
    session?: { ttlSeconds: number; idleSeconds: number; now?: () => number };
    consoleDir?: string;
    consoleConnectSrc?: string[];
  } = {},
): Promise<Harness> {
  const dataDir = await tempDataDir(`api-${label}`);
  const store = await createStore(storeConfig(dataDir, `api_${label}`), { logger: silentLogger });
  await store.migrate();
  const keys = createKeyService({ store, ...(opts.now ? { now: opts.now } : {}) });
  const tokenizer = createTokenizer(randomBytes(32));
  const audit = createAuditLog({ batchSize: 500, flushIntervalMs: 50, maxBuffered: 100_000 }, { store, logger: silentLogger });
  // The real alert manager and suppressor, as `vigil start` wires them.
  const suppressor = createSuppressor({ store });
  await suppressor.load();
  const feed = createAlertFeed();
  const alertManager = createAlertManager({ store, logger: silentLogger, suppressor, onWritten: (a) => feed.publish(a) });
  await alertManager.load();
  const registry = new Registry();
  const ingestCalls: IngestCall[] = [];
  // The live inventory and the SIEM notifier as `vigil start` mounts them, so every production
  // route is served here (the role walk covers them all); the worker does not poll.
  const inventoryCfg = InventoryConfigSchema.parse({});
  const inventory = createInventory(inventoryCfg, { store, logger: silentLogger });
  const notifier: Notifier = createNotifier(NotifyConfigSchema.parse({}), { store, logger: silentLogger, registry, version: '0.0.0-test', env: {}, startWorker: false });
  await notifier.start();
  const app = createApiApp(
    {
      maxBodyBytes: opts.maxBodyBytes ?? 4096,
      trustProxy: false,
      ...(opts.rateLimit ? { rateLimit: opts.rateLimit } : {}),
      ...(opts.session ? { session: opts.session } : {}),
      ...(opts.consoleDir ? { consoleDir: opts.consoleDir } : {}),
      ...(opts.consoleConnectSrc ? { consoleConnectSrc: opts.consoleConnectSrc } : {}),
    },
    {
      store,
      logger: opts.logger ?? silentLogger,
      registry,
      keys,
      ingest: (body, format, source) => {
        ingestCalls.push({ body, format, source });
        return opts.ingest ? opts.ingest(body, format, source) : Promise.resolve({ accepted: 3, deadLettered: 1, duplicates: 0 });
      },
      alerts: alertManager,
      suppressions: suppressor,
      ready: () => store.ping(),
      version: '0.0.0-test',
      audit: { log: audit, tokenizer },
      ...(opts.oidc ? { oidc: opts.oidc } : {}),
      ...(opts.consoleSso ? { consoleSso: opts.consoleSso } : {}),
      ...(opts.keyring ? { keyring: opts.keyring } : {}),
      inventory: { staleDays: inventoryCfg.staleDays, putSpec: inventory.putSpec, deleteSpec: inventory.deleteSpec },
      notify: notifier.destinations,
      alertFeed: feed,
    },
  );
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const key: Record<Role, string> = {
    admin: (await keys.create('admin', 'test admin')).key,
    analyst: (await keys.create('analyst', 'test analyst')).key,
    viewer: (await keys.create('viewer', 'test viewer')).key,
  };

  return {
    base,
    store,
    keys,
    key,
    ingestCalls,
    registry,
    alerts: alertManager,
    feed,
    audit,
    tokenizer,
    call(path, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      const as = o.as === undefined ? 'admin' : o.as;
      if (as !== null) headers.authorization = `Bearer ${key[as]}`;
      let body = o.body;
      if (o.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(o.json);
      }
      return fetch(base + path, { method: o.method ?? 'GET', headers, body });
    },
    async close() {
      feed.close();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
      await notifier.stop();
      await keys.flush();
      await audit.stop();
      await store.close();
    },
  };
}
