import { mkdir, readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
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
  /**
   * JSONCompactEachRow insert of lines encoded ahead (libs/store/event-rows.ts), each holding the
   * values of `columns` in order, sent as they are: the body of the INSERT over HTTP, or handed to
   * the embedded engine's raw insert without a copy into a JavaScript string. For the one table
   * written per event (events): no key per value to encode and to parse, and no row objects held
   * until the write.
   */
  insertEncoded(table: string, columns: readonly [string, ...string[]], chunks: readonly Buffer[]): Promise<void>;
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
  const opened: OpenedClient =
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
        };
  const db = wrapClient(opened, database, url === undefined ? 'embedded' : 'server');
  try {
    // Least privilege: a writer without DDL rights (docs/security-access.md) opens a database the
    // owner created. ClickHouse checks the CREATE grant even when IF NOT EXISTS would do nothing,
    // so look first and only create what is missing.
    const found = await db.query<{ n: number | string }>('SELECT count() AS n FROM system.databases WHERE name = {name:String}', { name: database });
    if (Number(found[0]?.n) === 0) await db.command('CREATE DATABASE IF NOT EXISTS {db}');
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

/** A client, plus what only the embedded engine has. */
interface OpenedClient {
  client: ClickHouseClient;
  /** Waits until libchdb has let go of its directory (embedded only). */
  drain?: () => Promise<void>;
  /** chDB's raw passthrough insert (embedded only): see insertEncoded. */
  rawInsert?: RawInsert;
}

/** Inserts `body` (whole lines of `format`) into `table` (database-qualified) as `INSERT INTO table (columns)`. */
type RawInsert = (table: string, columns: readonly string[], body: Buffer) => Promise<void>;

/**
 * chDB runs inside this process. It is loaded lazily so server mode never loads the native engine.
 * NOTE: libchdb binds one data directory per process, and the engine flocks `<path>/status`, so a
 * second process on the same directory fails; we turn that into `data_dir_locked`.
 */
async function openEmbedded(dataDir: string, logger: Logger): Promise<Required<OpenedClient>> {
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
  const { chdb } = connection;
  // NOTE: its errors carry the engine's message unparsed; errors.ts reads the error type from it.
  const rawInsert: RawInsert = async (table, columns, body) => {
    await chdb.rawInsert({ table, columns, values: body, format: 'JSONCompactEachRow' });
  };
  return { client: createClient({ connection: chdbConnection, log: clientLogConfig(logger) }), drain: drainPending, rawInsert };
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

function wrapClient(opened: OpenedClient, database: string, mode: Db['mode']): Db {
  const { client, drain, rawInsert } = opened;
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
    insertEncoded: (table, columns, chunks) =>
      run(`insert into ${table}`, async () => {
        if (chunks.length === 0) return;
        // Embedded: the bytes go to chDB as they are. Through the client's connection they would be
        // decoded into one JavaScript string, copied by trim(), and encoded again by the engine's
        // binding: ~1 µs of the main thread per row, and strings as large as the rows that live
        // until the insert ends (docs/performance.md, ninth pass).
        if (rawInsert !== undefined) return rawInsert(`${database}.${table}`, columns, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
        // exec, not insert: insert encodes values itself, and these are encoded already.
        const r = await client.exec({
          query: `INSERT INTO ${database}.${table} (${columns.join(', ')}) FORMAT JSONCompactEachRow`,
          values: Readable.from(chunks, { objectMode: false }),
        });
        // The (empty) answer is read to its end so an HTTP connection goes back to the pool.
        r.stream.resume();
        await finished(r.stream);
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

export function readCaFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new VigilError('config_invalid', `CLICKHOUSE_CA_FILE: cannot read ${path}`, { cause });
  }
}
