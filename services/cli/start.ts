import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isVigilError } from '../../libs/errors/index.js';
import { createApiApp } from '../api/index.js';
import { createCore } from '../core.js';
import { createOrdinals } from '../ingest/ordinals.js';
import { cliConfig, type CliIo } from './context.js';
import { readRunInfo, removeRunInfo, writeRunInfo } from './run-info.js';

const VERSION = '0.1.0';

export interface Running {
  url: string;
  /** Resolves with the exit code once the process has shut down. */
  done: Promise<number>;
  stop(): Promise<void>;
}

/**
 * `vigil start`: API + HTTP ingest + pipeline with embedded defaults. Stops on SIGINT/SIGTERM:
 * stop accepting requests, flush buffered rows, close the store, in that order.
 */
export async function startVigil(io: CliIo, flags: Record<string, unknown>, opts: { handleSignals: boolean }): Promise<Running> {
  const { config, logger } = cliConfig(io, flags, false);
  let core;
  try {
    core = await createCore(config, { logger });
  } catch (e) {
    if (isVigilError(e) && e.code === 'data_dir_locked') {
      const info = readRunInfo(config.dataDir);
      throw new Error(`${config.dataDir} is already used by a running Vigil${info ? ` (pid ${info.pid}, ${info.url})` : ''}; stop it or pick another --data-dir`, { cause: e });
    }
    throw e;
  }
  const ordinals = createOrdinals();
  let ready = true;
  const app = createApiApp(
    { maxBodyBytes: config.ingest.maxBodyBytes, trustProxy: config.trustProxy },
    {
      store: core.store,
      logger,
      registry: core.registry,
      keys: core.keys,
      ingest: (body, format, source) => core.pipeline.ingestBody(body, format, source, ordinals),
      alerts: core.alerts,
      suppressions: core.suppressor,
      ready: async () => ready && (await core.store.ping()),
      version: VERSION,
    },
  );
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  core.writer.start();
  if (!config.clickhouse.url) {
    const key = writeRunInfo(config.dataDir, { url, pid: process.pid, startedAt: new Date().toISOString() });
    core.keys.addEphemeralKey(key, 'admin');
  }
  logger.info({ event: 'vigil_started', url, data_dir: config.dataDir, embedded: !config.clickhouse.url });
  io.out(`Vigil listening on ${url} (data dir ${config.dataDir})`);
  if ((await core.keys.list()).length === 0) {
    io.out('No API keys yet: create one with `npx vigil keys create --role admin`');
  }

  let resolveDone: (code: number) => void = () => undefined;
  const done = new Promise<number>((r) => (resolveDone = r));
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      ready = false;
      logger.info({ event: 'vigil_stopping' });
      // Stop taking requests first, so nothing arrives after the final flush.
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await core.close();
      if (!config.clickhouse.url) removeRunInfo(config.dataDir);
      logger.info({ event: 'vigil_stopped' });
      logger.flush();
      resolveDone(0);
    })());
  if (opts.handleSignals) {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.once(sig, () => {
        stop().catch((e: unknown) => {
          logger.error({ event: 'shutdown_failed', err: e });
          resolveDone(1);
        });
      });
    }
  }
  return { url, done, stop };
}
