import { readFileSync } from 'node:fs';
import { ConfigSchema, type Config } from '../contracts/index.js';
import { VigilError } from '../errors/index.js';

/**
 * Each environment variable and the config key it sets. This table is the only place that reads
 * process.env names, and it is how errors name the variable a user actually wrote.
 */
export const ENV_KEYS: Record<string, string> = {
  VIGIL_DATA_DIR: 'dataDir',
  VIGIL_HOST: 'host',
  VIGIL_PORT: 'port',
  VIGIL_LOG_LEVEL: 'logLevel',
  CLICKHOUSE_URL: 'clickhouse.url',
  CLICKHOUSE_USER: 'clickhouse.user',
  CLICKHOUSE_PASSWORD: 'clickhouse.password',
  CLICKHOUSE_DATABASE: 'clickhouse.database',
  VIGIL_RETENTION_DAYS: 'retentionDays',
  VIGIL_TOKENIZATION_KEY: 'privacy.tokenizationKey',
  VIGIL_IDENTITY_USER_HEADERS: 'identity.userHeaders',
  VIGIL_IDENTITY_API_KEY_HEADERS: 'identity.apiKeyHeaders',
  VIGIL_IDENTITY_USER_FIELDS: 'identity.userFields',
  VIGIL_INGEST_BATCH_SIZE: 'ingest.batchSize',
  VIGIL_INGEST_FLUSH_MS: 'ingest.flushIntervalMs',
  VIGIL_INGEST_MAX_BODY_BYTES: 'ingest.maxBodyBytes',
  VIGIL_INGEST_PARSE_WORKER: 'ingest.parseWorker',
  VIGIL_INGEST_MAX_FUTURE_SECONDS: 'ingest.maxFutureSeconds',
  VIGIL_INGEST_DEDUP_EVENTS: 'ingest.dedupEvents',
  VIGIL_FOLLOW: 'ingest.follow',
  VIGIL_FOLLOW_FROM: 'ingest.followFrom',
  VIGIL_ENUM_WINDOW_SECONDS: 'detection.enumeration.windowSeconds',
  VIGIL_SNAPSHOT_INTERVAL_SECONDS: 'detection.snapshotIntervalSeconds',
  VIGIL_HANDOFF_WAIT_SECONDS: 'detection.handoffWaitSeconds',
  VIGIL_ENUM_MIN_DISTINCT: 'detection.enumeration.minDistinct',
  VIGIL_ENUM_BASELINE_MULTIPLIER: 'detection.enumeration.baselineMultiplier',
  VIGIL_ENUM_LEARNING_WINDOWS: 'detection.enumeration.learningWindows',
  VIGIL_ENUM_SEQUENTIAL_RUN: 'detection.enumeration.sequentialRun',
  VIGIL_ENUM_MIN_FAILURES: 'detection.enumeration.minFailures',
  VIGIL_TRUST_PROXY: 'trustProxy',
  VIGIL_ROLES: 'roles',
  KAFKA_BROKERS: 'kafka.brokers',
  KAFKA_CLIENT_ID: 'kafka.clientId',
  KAFKA_GROUP_ID: 'kafka.groupId',
  KAFKA_DETECT_GROUP_ID: 'kafka.detectGroupId',
  KAFKA_TOPIC_RAW: 'kafka.topics.raw',
  KAFKA_TOPIC_EVENTS: 'kafka.topics.events',
  KAFKA_TOPIC_ALERTS: 'kafka.topics.alerts',
  KAFKA_TOPIC_DEADLETTER: 'kafka.topics.deadLetter',
  KAFKA_FORMAT: 'kafka.format',
  KAFKA_FROM_BEGINNING: 'kafka.fromBeginning',
  KAFKA_MAX_MESSAGE_BYTES: 'kafka.maxMessageBytes',
  KAFKA_FETCH_MIN_BYTES: 'kafka.fetchMinBytes',
  KAFKA_FETCH_MAX_WAIT_MS: 'kafka.fetchMaxWaitMs',
  KAFKA_PARTITIONS_CONCURRENTLY: 'kafka.partitionsConcurrently',
  KAFKA_PARTITIONS: 'kafka.partitions',
  KAFKA_SSL: 'kafka.ssl',
  KAFKA_SSL_CA_FILE: 'kafka.sslCaFile',
  KAFKA_SSL_REJECT_UNAUTHORIZED: 'kafka.sslRejectUnauthorized',
  KAFKA_SASL_MECHANISM: 'kafka.saslMechanism',
  KAFKA_SASL_USERNAME: 'kafka.saslUsername',
  KAFKA_SASL_PASSWORD: 'kafka.saslPassword',
  VIGIL_OIDC_ISSUER: 'auth.oidc.issuer',
  VIGIL_OIDC_AUDIENCE: 'auth.oidc.audience',
  VIGIL_OIDC_JWKS_URI: 'auth.oidc.jwksUri',
  VIGIL_OIDC_CLOCK_TOLERANCE_SECONDS: 'auth.oidc.clockToleranceSeconds',
  VIGIL_OIDC_ALGORITHMS: 'auth.oidc.algorithms',
  VIGIL_OIDC_ROLE_CLAIM: 'auth.oidc.roleClaim',
  VIGIL_OIDC_ROLE_MAPPING: 'auth.oidc.roleMapping',
  VIGIL_OIDC_CONSOLE_CLIENT_ID: 'auth.oidc.consoleClientId',
  VIGIL_OIDC_CONSOLE_SCOPE: 'auth.oidc.consoleScope',
  VIGIL_AUDIT_RETENTION_DAYS: 'auth.audit.retentionDays',
  VIGIL_AUDIT_BATCH_SIZE: 'auth.audit.batchSize',
  VIGIL_AUDIT_FLUSH_MS: 'auth.audit.flushIntervalMs',
  CLICKHOUSE_CA_FILE: 'clickhouse.caFile',
  CLICKHOUSE_READ_USER: 'clickhouse.readUser',
  CLICKHOUSE_READ_PASSWORD: 'clickhouse.readPassword',
  VIGIL_PREVIOUS_TOKENIZATION_KEYS: 'privacy.previousTokenizationKeys',
  VIGIL_TLS_CERT_FILE: 'api.tlsCertFile',
  VIGIL_TLS_KEY_FILE: 'api.tlsKeyFile',
  VIGIL_TLS_CA_FILE: 'api.tlsCaFile',
  VIGIL_RATE_LIMIT_PER_MINUTE: 'api.rateLimitPerMinute',
  VIGIL_INGEST_RATE_LIMIT_PER_MINUTE: 'api.ingestRateLimitPerMinute',
  VIGIL_SESSION_TTL_SECONDS: 'api.sessionTtlSeconds',
  VIGIL_SESSION_IDLE_SECONDS: 'api.sessionIdleSeconds',
  VIGIL_NOTIFY_MAX_ATTEMPTS: 'notify.maxAttempts',
  VIGIL_NOTIFY_BASE_DELAY_MS: 'notify.baseDelayMs',
  VIGIL_NOTIFY_MAX_DELAY_MS: 'notify.maxDelayMs',
  VIGIL_NOTIFY_TIMEOUT_MS: 'notify.timeoutMs',
  VIGIL_NOTIFY_CONCURRENCY: 'notify.concurrency',
  VIGIL_NOTIFY_POLL_MS: 'notify.pollIntervalMs',
  VIGIL_NOTIFY_IDLE_POLL_MS: 'notify.idlePollMaxMs',
  KAFKA_NOTIFY_GROUP_ID: 'notify.kafkaGroupId',
  VIGIL_PHI_MAX_SCAN_BYTES: 'phi.maxScanBytes',
  VIGIL_INVENTORY_STALE_DAYS: 'inventory.staleDays',
  VIGIL_INVENTORY_ALERTS: 'inventory.alerts',
};

/** Secrets may come from files (Docker/Kubernetes secrets): VAR_FILE=/run/secrets/x. */
const SECRET_VARS = ['CLICKHOUSE_PASSWORD', 'VIGIL_TOKENIZATION_KEY', 'KAFKA_SASL_PASSWORD'];
// A file with one previous tokenization key per line (key rotation, libs/privacy/keyring.ts).
SECRET_VARS.push('VIGIL_PREVIOUS_TOKENIZATION_KEYS');
// The read-only ClickHouse user's password (libs/store/db.ts openDbReader).
SECRET_VARS.push('CLICKHOUSE_READ_PASSWORD');

type Tree = Record<string, unknown>;

function setPath(tree: Tree, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = tree;
  for (const p of parts.slice(0, -1)) {
    const next = node[p];
    if (typeof next !== 'object' || next === null) node[p] = {};
    node = node[p] as Tree;
  }
  node[parts[parts.length - 1] as string] = value;
}

function merge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      typeof v === 'object' && v !== null && !Array.isArray(v) && typeof b === 'object' && b !== null && !Array.isArray(b)
        ? merge(b as Tree, v as Tree)
        : v;
  }
  return out;
}

export interface ConfigSources {
  env: Record<string, string | undefined>;
  /** Path of a JSON config file (VIGIL_CONFIG or --config). */
  file?: string;
  /** Command-line flags, already mapped to config keys (e.g. { dataDir, port }). */
  flags?: Tree;
}

/**
 * Parses the configuration once. Precedence: defaults < file < environment < flags.
 * Errors name the variable or file key the user wrote, e.g. "VIGIL_PORT: Too big: expected number to be <=65535".
 */
export function loadConfig(sources: ConfigSources): Config {
  const origin = new Map<string, string>();
  let tree: Tree = {};
  const file = sources.file ?? sources.env.VIGIL_CONFIG;
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (cause) {
      throw new VigilError('config_invalid', `config file ${file}: cannot read it as JSON`, { cause });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new VigilError('config_invalid', `config file ${file}: expected a JSON object`);
    }
    tree = parsed as Tree;
  }
  const envTree: Tree = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    let value = sources.env[name];
    if (value === undefined && SECRET_VARS.includes(name) && sources.env[`${name}_FILE`]) {
      const path = sources.env[`${name}_FILE`] as string;
      try {
        value = readFileSync(path, 'utf8').trim();
      } catch (cause) {
        throw new VigilError('config_invalid', `${name}_FILE: cannot read ${path}`, { cause });
      }
      origin.set(key, `${name}_FILE`);
    }
    if (value === undefined || value === '') continue;
    setPath(envTree, key, value);
    if (!origin.has(key)) origin.set(key, name);
  }
  tree = merge(tree, envTree);
  for (const [key, value] of Object.entries(sources.flags ?? {})) {
    if (value === undefined) continue;
    setPath(tree, key, value);
    origin.set(key, `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  }
  const result = ConfigSchema.safeParse(tree);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = issue.path.join('.');
      const where = origin.get(key) ?? (file ? `config file ${file}: ${key}` : key);
      return `${where}: ${issue.message}`;
    });
    throw new VigilError('config_invalid', `invalid configuration: ${problems.join('; ')}`);
  }
  return result.data;
}
