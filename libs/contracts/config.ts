import { z } from 'zod';
import { AUTH_DEFAULTS, AuthConfigSchema } from './auth-config.js';
import { API_SECURITY_DEFAULTS, ApiSecurityConfigSchema } from './api-config.js';
import { NOTIFY_DEFAULTS, NotifyConfigSchema } from './notify-config.js';
import { PHI_DEFAULTS, PhiConfigSchema } from './phi-config.js';
import { INVENTORY_DEFAULTS, InventoryConfigSchema } from './inventory-config.js';
import { HandoffWaitSchema, SNAPSHOT_DEFAULTS, SnapshotIntervalSchema } from './snapshot-config.js';

const csv = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim().toLowerCase())
      .filter(Boolean),
  )
  .pipe(z.array(z.string()));

/** File paths: a JSON array, or a comma-separated string from the environment (case kept). */
const pathList = z.union([
  z.array(z.string().min(1)),
  z.string().transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  ),
]);

const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')]);

const RoleName = z.enum(['ingest', 'detect', 'api', 'notify']);
export type RoleName = z.infer<typeof RoleName>;

const KAFKA_TOPIC_DEFAULTS = { raw: 'vigil.mirror.raw', events: 'vigil.events', alerts: 'vigil.alerts', deadLetter: 'vigil.deadletter' };
const KAFKA_DEFAULTS = {
  brokers: [],
  clientId: 'vigil',
  groupId: 'vigil-ingest',
  detectGroupId: 'vigil-detect',
  topics: KAFKA_TOPIC_DEFAULTS,
  format: 'auto' as const,
  fromBeginning: true,
  maxMessageBytes: 1024 * 1024,
  fetchMinBytes: 1024 * 1024,
  fetchMaxWaitMs: 500,
  partitionsConcurrently: 12,
  partitions: 6,
  ssl: false,
  sslRejectUnauthorized: true,
  saslMechanism: 'none' as const,
};

/** Kafka transport (libs/kafka). Secrets (saslPassword) come from KAFKA_SASL_PASSWORD(_FILE) and are never logged. */
export const KafkaConfigSchema = z.object({
  /** host:port list; kept as written (no lowercasing), e.g. "kafka-1:9092,kafka-2:9092". */
  brokers: z
    .union([
      z.array(z.string().min(1)),
      z.string().transform((s) =>
        s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
      ),
    ])
    .default([]),
  clientId: z.string().min(1).default('vigil'),
  /** Consumer group of the raw mirror topic (ingest role, or ingest+detect in one process). */
  groupId: z.string().min(1).default('vigil-ingest'),
  /** Consumer group of vigil.events (detect role running without ingest). */
  detectGroupId: z.string().min(1).default('vigil-detect'),
  topics: z
    .object({
      raw: z.string().min(1).default(KAFKA_TOPIC_DEFAULTS.raw),
      events: z.string().min(1).default(KAFKA_TOPIC_DEFAULTS.events),
      alerts: z.string().min(1).default(KAFKA_TOPIC_DEFAULTS.alerts),
      deadLetter: z.string().min(1).default(KAFKA_TOPIC_DEFAULTS.deadLetter),
    })
    .default(KAFKA_TOPIC_DEFAULTS),
  /** Format of raw topic values (any the adapters accept). */
  format: z.enum(['auto', 'kong', 'nginx', 'envoy', 'vigil']).default('auto'),
  /** A new consumer group starts at the oldest retained message, so nothing mirrored before the first start is skipped. */
  fromBeginning: bool.default(true),
  /** Partitions of the topics Vigil creates when they are missing (existing topics are left alone). */
  partitions: z.coerce.number().int().min(1).max(10_000).default(6),
  /** Larger messages are dead-lettered unparsed ("oversized"). */
  maxMessageBytes: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  /**
   * A fetch of the event topics (raw, vigil.events) waits until this many bytes are ready or
   * fetchMaxWaitMs has passed. Each fetch becomes one store insert per partition, and an insert
   * costs the engine ~10 ms however few rows it holds: at 1,000 events/s, fetching whatever was
   * there (1 byte) cost 1,135 µs of CPU per event, 1 MiB / 500 ms 406 µs, at ~300 ms more latency
   * (README, Kafka, Sizing). A backlog fills fetches at once either way.
   */
  fetchMinBytes: z.coerce.number().int().min(1).max(64 * 1024 * 1024).default(KAFKA_DEFAULTS.fetchMinBytes),
  // NOTE: at most 10 s: a fetch held longer would starve the group's heartbeats (session timeout 30 s).
  fetchMaxWaitMs: z.coerce.number().int().min(0).max(10_000).default(KAFKA_DEFAULTS.fetchMaxWaitMs),
  /**
   * Partitions of one fetch handled at once (event topics). Each partition's batch ends with a
   * flush (store insert) before its commit; batches handled together share one insert, because a
   * flush called while another writes takes everything buffered by then. At 1,000 events/s over 6
   * partitions, 2 at once cost 472-535 µs of CPU per event (~6 inserts per fetch), all 6 at once
   * 304-439 µs (~2), in back-to-back pairs. Order within a partition and commit-after-flush hold
   * whatever the value (libs/kafka/consumer-loop.ts; README, Kafka, Sizing).
   */
  partitionsConcurrently: z.coerce.number().int().min(1).max(64).default(KAFKA_DEFAULTS.partitionsConcurrently),
  ssl: bool.default(false),
  /** PEM file with the CA that signed the brokers' certificates (implies ssl). */
  sslCaFile: z.string().min(1).optional(),
  sslRejectUnauthorized: bool.default(true),
  saslMechanism: z.enum(['none', 'plain', 'scram-sha-256', 'scram-sha-512']).default('none'),
  saslUsername: z.string().optional(),
  saslPassword: z.string().optional(),
});
export type KafkaConfig = z.infer<typeof KafkaConfigSchema>;

/**
 * The one configuration schema. Sources, lowest precedence first: defaults, the optional JSON file
 * named by VIGIL_CONFIG (or --config), environment variables, command-line flags.
 * Keys are camelCase here; libs/config maps each environment variable onto one key and names the
 * variable in errors.
 */
export const ConfigSchema = z.object({
  dataDir: z.string().min(1).default('./vigil-data'),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  clickhouse: z
    .object({
      /** Unset: embedded chDB in <dataDir>/clickhouse. Set: a ClickHouse server over HTTP(S). */
      url: z.url().optional(),
      user: z.string().default('default'),
      password: z.string().default(''),
      database: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'database name: letters, digits and _')
        .default('vigil'),
      /** PEM CA bundle that signed the server's certificate, for an https:// url with a private CA. */
      caFile: z.string().min(1).optional(),
      /**
       * Server mode: the user the read-only connection (every SELECT the API serves) logs in as,
       * e.g. one granted only SELECT (docs/security-access.md). Unset: the reads use `user` too,
       * still with readonly=1 on every query.
       */
      readUser: z.string().min(1).optional(),
      /** Password of readUser (CLICKHOUSE_READ_PASSWORD or CLICKHOUSE_READ_PASSWORD_FILE). */
      readPassword: z.string().optional(),
    })
    .default({ user: 'default', password: '', database: 'vigil' }),
  retentionDays: z.coerce.number().int().min(1).max(3650).default(30),
  privacy: z
    .object({
      /** Hex or base64, at least 32 bytes. Unset in embedded mode: generated into <dataDir>/tokenization.key. */
      tokenizationKey: z.string().min(1).optional(),
      /**
       * Keys used before the current one (rotation): events keep being tokenized with
       * tokenizationKey only, while lookups by a raw identifier match tokens of every key here too.
       * A list, or one string of keys separated by commas, spaces or newlines (a key file).
       */
      previousTokenizationKeys: z
        .union([z.array(z.string().min(1)), z.string().transform((s) => s.split(/[\s,]+/).filter(Boolean))])
        .optional(),
    })
    .default({}),
  identity: z
    .object({
      /**
       * Headers that carry an authenticated user id set by the gateway or an upstream proxy, most
       * trusted first. Kong's oauth2 plugin sets X-Authenticated-Userid on the request it logs.
       */
      userHeaders: csv.default(['x-authenticated-userid', 'x-authenticated-user', 'x-user-id']),
      /** Headers that carry an API key; the key is fingerprinted, never stored. */
      apiKeyHeaders: csv.default(['apikey', 'x-api-key']),
      /** Custom mirror fields (ApiEvent.fields) that carry a user id. */
      userFields: csv.default(['user_id', 'remote_user']),
    })
    .default({
      userHeaders: ['x-authenticated-userid', 'x-authenticated-user', 'x-user-id'],
      apiKeyHeaders: ['apikey', 'x-api-key'],
      userFields: ['user_id', 'remote_user'],
    }),
  ingest: z
    .object({
      /** Rows per store insert; bigger batches make ClickHouse happier. */
      batchSize: z.coerce.number().int().min(1).max(100_000).default(5000),
      /** Longest a buffered event waits before it is written. */
      flushIntervalMs: z.coerce.number().int().min(10).max(60_000).default(1000),
      /** Largest body POST /v1/ingest accepts. */
      maxBodyBytes: z.coerce.number().int().min(1024).max(512 * 1024 * 1024).default(16 * 1024 * 1024),
      /**
       * Parse and normalize on a worker thread, beside detection on the main thread (replay, Kafka
       * and HTTP ingest alike). false: everything on one thread, e.g. on a one-core machine.
       */
      parseWorker: bool.default(true),
      /**
       * An event stamped further ahead of this machine's clock than this is a dead letter, not an
       * event: a gateway whose clock or time zone is wrong. Let in, it would move every window of its
       * principal into the future, where all its later (correctly stamped) events would pile up until
       * real time caught up. 0 turns the check off.
       */
      maxFutureSeconds: z.coerce.number().int().min(0).max(31_536_000).default(300),
      /**
       * How many of the latest event ids are remembered to recognise an event delivered twice (a
       * shipper re-sending after a restart, a gateway retrying a batch): a copy is counted as a
       * duplicate, not detected or stored again. 16 bytes per id; 0 turns it off.
       */
      dedupEvents: z.coerce.number().int().min(0).max(50_000_000).default(1_000_000),
      /**
       * Log files `vigil start` follows as a gateway writes them (`--follow FILE`, repeatable), across
       * rotation, resuming where it stopped (services/ingest/follow.ts).
       */
      follow: pathList.default([]),
      /** Where a followed file Vigil has never read starts: its first line, or what is written from now on. */
      followFrom: z.enum(['beginning', 'end']).default('beginning'),
    })
    .default({
      batchSize: 5000,
      flushIntervalMs: 1000,
      maxBodyBytes: 16 * 1024 * 1024,
      parseWorker: true,
      maxFutureSeconds: 300,
      dedupEvents: 1_000_000,
      follow: [],
      followFrom: 'beginning',
    }),
  detection: z
    .object({
      enumeration: z
        .object({
          /** Sliding window over which distinct object ids are counted. */
          windowSeconds: z.coerce.number().int().min(10).max(86_400).default(300),
          /** Never alert below this many distinct ids per resource type in a window, whatever the baseline. */
          minDistinct: z.coerce.number().int().min(2).default(20),
          /** Alert when the window's distinct count exceeds this many times the principal's usual count. */
          baselineMultiplier: z.coerce.number().min(1).default(4),
          /**
           * Windows a principal is observed before its own baseline is trusted. Until then the limit
           * is minDistinct x baselineMultiplier: generous for unknown principals, still far below a scrape.
           */
          learningWindows: z.coerce.number().int().min(0).default(3),
          /** Consecutive integer ids (in request order) that make a sequential walk. */
          sequentialRun: z.coerce.number().int().min(3).default(10),
          /** 403/404 answers on object routes in a window that make probing, with at least half failing. */
          minFailures: z.coerce.number().int().min(2).default(15),
        })
        .default({ windowSeconds: 300, minDistinct: 20, baselineMultiplier: 4, learningWindows: 3, sequentialRun: 10, minFailures: 15 }),
      /** Baseline snapshots and Kafka handoff (libs/contracts/snapshot-config.ts). */
      snapshotIntervalSeconds: SnapshotIntervalSchema,
      handoffWaitSeconds: HandoffWaitSchema,
    })
    .default({
      enumeration: { windowSeconds: 300, minDistinct: 20, baselineMultiplier: 4, learningWindows: 3, sequentialRun: 10, minFailures: 15 },
      ...SNAPSHOT_DEFAULTS,
    }),
  /** Treat "true"/"1" in env as booleans. */
  trustProxy: bool.default(false),
  /**
   * What this process runs (`vigil start --roles`). ingest: raw topic -> normalize; detect:
   * detectors + store; api: HTTP API and /v1/ingest; notify: SIEM delivery (outbox worker; in Kafka split mode it consumes vigil.alerts).
   */
  roles: z
    .union([z.array(RoleName), csv.pipe(z.array(RoleName))])
    .refine((r) => r.length > 0, 'at least one role')
    .default(['ingest', 'detect', 'api', 'notify']),
  /** Kafka mode is on when `brokers` is non-empty; without brokers Vigil ingests over HTTP and files only. */
  kafka: KafkaConfigSchema.default(KAFKA_DEFAULTS),
  /** Vigil's own API: OIDC single sign-on and the audit trail (libs/auth, docs/security-access.md). */
  auth: AuthConfigSchema.default(AUTH_DEFAULTS),
  /** API transport security and abuse limits (libs/contracts/api-config.ts). */
  api: ApiSecurityConfigSchema.default(API_SECURITY_DEFAULTS),
  /** SIEM delivery: destinations declared in the file and the retry worker (libs/contracts/notify-config.ts). */
  notify: NotifyConfigSchema.default(NOTIFY_DEFAULTS),
  /** PHI classification of mirrored bodies (libs/contracts/phi-config.ts, docs/phi.md). */
  phi: PhiConfigSchema.default(PHI_DEFAULTS),
  /** API discovery and inventory: declared specs, zombie staleness, alerts (libs/contracts/inventory-config.ts, docs/inventory.md). */
  inventory: InventoryConfigSchema.default(INVENTORY_DEFAULTS),
});
export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
