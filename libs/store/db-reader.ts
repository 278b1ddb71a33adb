import { join, resolve } from 'node:path';
import { createClient, type ClickHouseClient, type ClickHouseClientConfigOptions } from '@clickhouse/client';
import { VigilError } from '../errors/index.js';
import type { Logger } from '../log/index.js';
import { clientLogConfig } from './client-log.js';
import { readCaFile, type DbConfig, type Params } from './db.js';
import { wrapStoreError } from './errors.js';

/**
 * The read side of the store: SELECTs only, no insert and no command. Read-model factories take
 * this type, so a read method cannot write by construction; and the connection behind it runs every
 * statement with ClickHouse's `readonly = 1`, so SQL that writes (INSERT, ALTER, DROP, CREATE, or a
 * SETTINGS clause that tries to lift readonly) fails with error 164 READONLY even when sent as a query.
 * NOTE: `Db` is structurally a `DbReader` too; only `openDbReader` gives the read-only connection.
 */
export interface DbReader {
  readonly database: string;
  readonly mode: 'embedded' | 'server';
  query<T>(sql: string, params?: Params): Promise<T[]>;
}

/** A DbReader plus what its owner (createStore) needs: liveness and release. */
export interface DbReaderHandle extends DbReader {
  /** The user the reads run as (server mode); `embedded` has no users. */
  readonly user: string;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Sent with every request of the reader's client. A server applies it per request; chDB's
 * connection turns it into `SET readonly = 1` on the reader's own session, which then stays
 * read-only (readonly = 1 also forbids setting readonly back). Re-sending the same value is allowed.
 */
export const READONLY_SETTINGS = { readonly: '1' } as const;

/**
 * Opens the read-only connection beside `openDb`'s writer (call after openDb: it creates the
 * database and, embedded, checks the data directory lock). Embedded: a second chDB session on the
 * same data directory (chDB allows N connections to one path in a process; each keeps its own
 * settings, so the writer's session is unaffected). Server: a second client, logged in as
 * clickhouse.readUser when set. Checks `getSetting('readonly') = 1` before returning, so a
 * deployment can never silently serve reads from a writable connection.
 */
export async function openDbReader(cfg: DbConfig, logger: Logger): Promise<DbReaderHandle> {
  const { database, url, readUser, readPassword } = cfg.clickhouse;
  if (readUser === undefined && readPassword !== undefined && readPassword !== '') {
    throw new VigilError('config_invalid', 'CLICKHOUSE_READ_PASSWORD is set but CLICKHOUSE_READ_USER is not');
  }
  let client: ClickHouseClient;
  let user: string;
  if (url === undefined) {
    if (readUser !== undefined) {
      // Not an error: the same config may serve both modes; embedded reads are still read-only.
      logger.warn({ event: 'clickhouse_read_user_ignored' }, 'CLICKHOUSE_READ_USER has no effect on the embedded engine');
    }
    user = 'embedded';
    const path = join(resolve(cfg.dataDir), 'clickhouse');
    const { createChdbConnection } = await import('chdb/connection');
    let connection;
    try {
      connection = createChdbConnection({ path });
    } catch (err) {
      throw wrapStoreError(err, `opening the read-only session on ${path}`);
    }
    // Same nominal-type bridge as openEmbedded.
    const chdbConnection = connection as unknown as ClickHouseClientConfigOptions['connection'];
    client = createClient({ connection: chdbConnection, clickhouse_settings: READONLY_SETTINGS, log: clientLogConfig(logger) });
  } else {
    user = readUser ?? cfg.clickhouse.user;
    client = createClient({
      url,
      username: user,
      password: readUser === undefined ? cfg.clickhouse.password : (readPassword ?? ''),
      ...(cfg.clickhouse.caFile === undefined ? {} : { tls: { ca_cert: readCaFile(cfg.clickhouse.caFile) } }),
      clickhouse_settings: READONLY_SETTINGS,
      log: clientLogConfig(logger),
    });
  }
  const reader = wrapReader(client, database, url === undefined ? 'embedded' : 'server', user);
  try {
    const [row] = await reader.query<{ ro: number | string }>("SELECT getSetting('readonly') AS ro");
    if (Number(row?.ro) !== 1) {
      throw new VigilError('store_failed', `the read-only ClickHouse connection runs with readonly=${String(row?.ro)}, expected 1`);
    }
  } catch (err) {
    await reader.close();
    throw err instanceof VigilError && err.code === 'store_failed' && url !== undefined
      ? new VigilError('store_failed', `${err.message} (read user ${user})`, { cause: err, publicMessage: 'store error' })
      : err;
  }
  logger.info({ event: 'store_reader_opened', mode: reader.mode, user }, 'store_reader_opened');
  return reader;
}

function wrapReader(client: ClickHouseClient, database: string, mode: DbReader['mode'], user: string): DbReaderHandle {
  const sqlFor = (sql: string): string => sql.replaceAll('{db}', database);
  const inflight = new Set<Promise<unknown>>();
  let closed = false;

  return {
    database,
    mode,
    user,
    // Tracked like the writer's operations: close() waits for them (chDB aborts under a running query).
    query: async <T>(sql: string, params?: Params): Promise<T[]> => {
      if (closed) throw new VigilError('store_failed', 'store is closed (read query)');
      const p = (async () => {
        const rs = await client.query({ query: sqlFor(sql), query_params: params, format: 'JSONEachRow' });
        return rs.json<T>();
      })();
      inflight.add(p);
      try {
        return await p;
      } catch (err) {
        throw wrapStoreError(err, 'read query');
      } finally {
        inflight.delete(p);
      }
    },
    ping: async () => {
      if (closed) return false;
      const r = await client.ping();
      return r.success;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...inflight]);
      await client.close();
    },
  };
}
