import type { Registry } from 'prom-client';
import type { Alert, AlertPatch, InputFormat, Suppression, SuppressionInput } from '../../libs/contracts/index.js';
import type { KeyService } from '../../libs/auth/index.js';
import type { Logger } from '../../libs/log/index.js';
import type { Store } from '../../libs/store/types.js';

export interface ApiConfig {
  /** Largest body POST /v1/ingest accepts (config ingest.maxBodyBytes). */
  maxBodyBytes: number;
  /** Believe X-Forwarded-For for req.ip; only behind a proxy you run. */
  trustProxy: boolean;
}

/** Parses, normalizes and queues a body of gateway logs; owned by the ingest pipeline. */
export type IngestFn = (body: string, format: InputFormat, source: string) => Promise<{ accepted: number; deadLettered: number }>;

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
}
