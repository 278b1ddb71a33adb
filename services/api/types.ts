import type { Registry } from 'prom-client';
import type { Alert, AlertPatch, InputFormat, Suppression, SuppressionInput } from '../../libs/contracts/index.js';
import type { AuditLog, KeyService, OidcVerifier } from '../../libs/auth/index.js';
import type { ConsoleSsoProvider } from '../../libs/auth/index.js';
import type { Keyring, Tokenizer } from '../../libs/privacy/index.js';
import type { Logger } from '../../libs/log/index.js';
import type { Store } from '../../libs/store/types.js';
import type { RateLimitConfig } from './rate-limit.js';
import type { InventoryApi } from './routes/inventory.js';
import type { DestinationService } from '../notify/destinations.js';
import type { AlertFeed } from './routes/stream.js';
import type { IngestLag } from './routes/overview.js';

export interface ApiConfig {
  /** Largest body POST /v1/ingest accepts (config ingest.maxBodyBytes). */
  maxBodyBytes: number;
  /** Believe X-Forwarded-For for req.ip; only behind a proxy you run. */
  trustProxy: boolean;
  /** Served over TLS: adds Strict-Transport-Security (services/api/security-headers.ts). */
  tls?: boolean;
  /** Per-key / per-IP limits (services/api/rate-limit.ts); absent: the config defaults (600/min, ingest 60,000/min). */
  rateLimit?: RateLimitConfig;
  /** Console sessions (api.sessionTtlSeconds / sessionIdleSeconds); absent: 8 h / 30 min. `now` for tests. */
  session?: { ttlSeconds: number; idleSeconds: number; now?: () => number };
  /** The built console (vite output); absent: <repo>/dist/console. Missing on disk: /console/ answers 503. */
  consoleDir?: string;
  /** Extra origins for the console's CSP connect-src (the SSO provider's). */
  consoleConnectSrc?: string[];
}

/** Parses, normalizes and queues a body of gateway logs; owned by the ingest pipeline. */
export type IngestFn = (body: string, format: InputFormat, source: string) => Promise<{ accepted: number; deadLettered: number; duplicates: number }>;

export interface ApiDeps {
  store: Store;
  logger: Logger;
  registry: Registry;
  keys: KeyService;
  ingest: IngestFn;
  /** Through the alert manager, not the store: it owns versions and its in-memory aggregation. */
  alerts: { patch(id: string, patch: AlertPatch): Promise<Alert | undefined> };
  /** Suppression rules, held by the alert manager's suppressor so changes apply at once. */
  suppressions: { list(): Suppression[]; add(input: SuppressionInput): Promise<Suppression>; remove(id: string): Promise<boolean> };
  /** Store reachable and pipeline running. */
  ready: () => Promise<boolean>;
  version: string;
  /** SIEM destinations and deliveries (services/notify); absent: /v1/destinations and /v1/deliveries are not mounted. */
  notify?: DestinationService;
  /** OIDC single sign-on (libs/auth/oidc.ts); absent: API keys only. */
  oidc?: OidcVerifier;
  /** Console "Sign in with SSO" (libs/auth/oidc-console.ts); absent: GET /v1/session/sso answers {"enabled": false}. */
  consoleSso?: ConsoleSsoProvider;
  /** Audit trail (services/api/audit.ts): the batch writer, and the tokenizer for identifiers in params and query. */
  audit: { log: AuditLog; tokenizer: Pick<Tokenizer, 'token'> };
  /**
   * Every active tokenization key, for lookups by a raw identifier (GET /v1/objects/{type}/{id}/access).
   * Absent: the audit tokenizer's key is the only one (no rotation configured).
   */
  keyring?: Pick<Keyring, 'tokens'>;
  /** API inventory and spec uploads (services/inventory); absent: GET /v1/inventory lists routes from the events table. */
  inventory?: InventoryApi;
  /** Live alert versions for GET /v1/alerts/stream (give its `publish` to the alert manager's onWritten); absent: a feed nobody publishes to. */
  alertFeed?: AlertFeed;
  /** Kafka consumer lag for GET /v1/overview (services/api/routes/overview.ts createKafkaLagProbe); absent: lag null. */
  ingestLag?: () => Promise<IngestLag>;
}
