import { mkdir, readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createClient, type ClickHouseClient, type ClickHouseClientConfigOptions } from '@clickhouse/client';
import type { Config } from '../contracts/index.js';
import { VigilError } from '../errors/index.js';
import type { Logger } from '../log/index.js';
import { clientLogConfig } from './client-log.js';
import { wrapStoreError } from './errors.js';

export type Params = Record<string, unknown>;

/**
 * The one door to ClickHouse. Every statement names tables as `{db}.table`; the placeholder is
 * replaced with the validated database name (identifiers cannot be bound parameters). Every value
 * goes in `params` and is bound server-side as `{name:Type}`, never concatenated.
 */
export interface Db {
  readonly database: string;
  readonly mode: 'embedded' | 'server';
  command(sql: string, params?: Params): Promise<void>;
  query<T>(sql: string, params?: Params): Promise<T[]>;
  /** JSONEachRow insert into `{db}.<table>`. */
  insert(table: string, rows: readonly object[]): Promise<void>;
  ping(): Promise<boolean>;
  /** Waits for running operations, then releases the engine (and chDB's data dir lock). */
  close(): Promise<void>;
}

export interface DbConfig {
  clickhouse: Config['clickhouse'];
  dataDir: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export async function openDb(cfg: DbConfig, logger: Logger): Promise<Db> {
  const database = cfg.clickhouse.database;
  if (!IDENTIFIER.test(database)) {
    throw new VigilError('config_invalid', `clickhouse database name must be letters, digits and _: ${database}`);
  }
  const { url } = cfg.clickhouse;
  const opened =
    url === undefined
      ? await openEmbedded(resolve(cfg.dataDir), logger)
      : {
          client: createClient({
            url,
            username: cfg.clickhouse.user,
            password: cfg.clickhouse.password,
            // An https:// url signed by a private CA (config clickhouse.caFile, CLICKHOUSE_CA_FILE).
            ...(cfg.clickhouse.caFile === undefined ? {} : { tls: { ca_cert: readCaFile(cfg.clickhouse.caFile) } }),
            log: clientLogConfig(logger),
          }),
          drain: undefined,
        };
  const db = wrapClient(opened.client, database, url === undefined ? 'embedded' : 'server', opened.drain);
  try {
    await db.command('CREATE DATABASE IF NOT EXISTS {db}');
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

/**
 * chDB runs inside this process. It is loaded lazily so server mode never loads the native engine.
 * NOTE: libchdb binds one data directory per process, and the engine flocks `<path>/status`, so a
 * second process on the same directory fails; we turn that into `data_dir_locked`.
 */
async function openEmbedded(dataDir: string, logger: Logger): Promise<{ client: ClickHouseClient; drain: () => Promise<void> }> {
  const path = join(dataDir, 'clickhouse');
  await mkdir(path, { recursive: true });
  const [{ createChdbConnection }, { drainPending }] = await Promise.all([import('chdb/connection'), import('chdb')]);
  let connection;
  try {
    connection = createChdbConnection({ path });
  } catch (err) {
    const holder = await lockHolder(path, err);
    if (holder !== undefined) {
      throw new VigilError(
        'data_dir_locked',
        `another Vigil process (${holder}, e.g. \`vigil start\`) holds the data directory ${dataDir}; ` +
          'the embedded engine allows one process per data directory, so CLI commands must go through ' +
          "that process's API (or stop it first)",
        { cause: err, publicMessage: 'data directory in use by another Vigil process' },
      );
    }
    throw wrapStoreError(err, `opening embedded ClickHouse at ${path}`);
  }
  logger.info({ event: 'store_engine_opened', mode: 'embedded', path }, 'store_engine_opened');
  // NOTE: chdb's typings name @clickhouse/client-common 1.23.0 while @clickhouse/client 1.23.1
  // bundles its own copy of the same Connection contract; the two ClickHouseSettings types differ
  // only nominally, so the bridge is a cast (the runtime shapes are the same contract).
  const chdbConnection = connection as unknown as ClickHouseClientConfigOptions['connection'];
  return { client: createClient({ connection: chdbConnection, log: clientLogConfig(logger) }), drain: drainPending };
}

/**
 * Who holds the data dir, or undefined if the failure is something else. libchdb prints the
 * "Cannot lock file <path>/status" reason to stderr and throws only a generic "Failed to create
 * connection", so the message alone can't tell. The holder writes its PID into `status` and the
 * engine removes the file on a clean close; a process that died leaves it behind but also releases
 * the lock, in which case opening would not have failed. So: failed open + status file = locked.
 */
async function lockHolder(path: string, err: unknown): Promise<string | undefined> {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e.message.includes('Cannot lock file')) return 'pid unknown';
  }
  let status: string;
  try {
    status = await readFile(join(path, 'status'), 'utf8');
  } catch {
    return undefined;
  }
  const pid = /^PID:\s*(\d+)/m.exec(status)?.[1];
  return pid === undefined ? 'pid unknown' : `pid ${pid}`;
}

function wrapClient(client: ClickHouseClient, database: string, mode: Db['mode'], drain: (() => Promise<void>) | undefined): Db {
  const sqlFor = (sql: string): string => sql.replaceAll('{db}', database);
  const inflight = new Set<Promise<unknown>>();
  let closed = false;

  // Every operation is tracked so close() can wait for it: closing a chDB connection under a
  // running query aborts the engine for the rest of the process.
  async function run<T>(what: string, op: () => Promise<T>): Promise<T> {
    if (closed) throw new VigilError('store_failed', `store is closed (${what})`);
    const p = op();
    inflight.add(p);
    try {
      return await p;
    } catch (err) {
      throw wrapStoreError(err, what);
    } finally {
      inflight.delete(p);
    }
  }

  return {
    database,
    mode,
    command: (sql, params) =>
      run('command', async () => {
        await client.command({ query: sqlFor(sql), query_params: params });
      }),
    query: <T>(sql: string, params?: Params) =>
      run('query', async () => {
        const rs = await client.query({ query: sqlFor(sql), query_params: params, format: 'JSONEachRow' });
        return rs.json<T>();
      }),
    insert: (table, rows) =>
      run(`insert into ${table}`, async () => {
        if (rows.length === 0) return;
        await client.insert({ table: `${database}.${table}`, values: rows, format: 'JSONEachRow' });
      }),
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
      // NOTE: close() can return before libchdb really lets go of the directory; drainPending()
      // waits for that, so a later open in this process (or a test's next step) finds it free.
      if (drain) await drain();
    },
  };
}

function readCaFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new VigilError('config_invalid', `CLICKHOUSE_CA_FILE: cannot read ${path}`, { cause });
  }
}

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
  if (!IDENTIFIER.test(database)) {
    throw new VigilError('config_invalid', `clickhouse database name must be letters, digits and _: ${database}`);
  }
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
