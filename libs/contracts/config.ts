import { z } from 'zod';

const csv = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim().toLowerCase())
      .filter(Boolean),
  )
  .pipe(z.array(z.string()));

const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')]);

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
    })
    .default({ user: 'default', password: '', database: 'vigil' }),
  retentionDays: z.coerce.number().int().min(1).max(3650).default(30),
  privacy: z
    .object({
      /** Hex or base64, at least 32 bytes. Unset in embedded mode: generated into <dataDir>/tokenization.key. */
      tokenizationKey: z.string().min(1).optional(),
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
    })
    .default({ batchSize: 5000, flushIntervalMs: 1000, maxBodyBytes: 16 * 1024 * 1024 }),
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
    })
    .default({
      enumeration: { windowSeconds: 300, minDistinct: 20, baselineMultiplier: 4, learningWindows: 3, sequentialRun: 10, minFailures: 15 },
    }),
  /** Treat "true"/"1" in env as booleans. */
  trustProxy: bool.default(false),
});
export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
