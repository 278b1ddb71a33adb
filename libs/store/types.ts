import type { BaselineSnapshot } from '../baseline/index.js';
import type { Alert, AlertFilter, ApiKeyRecord, DeadLetter, NormalizedEvent, Role, Suppression } from '../contracts/index.js';

/** A stored event as the API shows it (sample events, principal timelines): tokenized fields only. */
export interface StoredEvent {
  eventId: string;
  time: string; // ISO 8601
  source: string;
  method: string;
  host: string;
  service: string;
  route: string;
  pathTokenized: string;
  status: number;
  requestBytes: number;
  responseBytes: number;
  latencyMs: number;
  clientIp: string;
  userAgent: string;
  principal: string;
  principalKind: string;
  app: string;
  authScheme: string;
  objects: { type: string; id: string; via: string; created: boolean }[];
}

export interface PrincipalSummary {
  principal: string;
  kinds: string[];
  apps: string[];
  events: number;
  firstSeen: string | null;
  lastSeen: string | null;
  sourceIps: string[];
  userAgents: string[];
  statusMix: Record<string, number>;
  routes: { method: string; route: string; count: number }[];
  distinctObjects: { type: string; count: number }[];
  /** Events per hour bucket, oldest first. */
  timeline: { hour: string; events: number; errors: number }[];
  recentEvents: StoredEvent[];
}

export interface InventoryRoute {
  service: string;
  host: string;
  route: string;
  methods: string[];
  count: number;
  principals: number;
  authSchemes: string[];
  statusMix: Record<string, number>;
  firstSeen: string;
  lastSeen: string;
}

export interface AlertPage {
  alerts: Alert[];
  /** Opaque; pass back as `cursor` for the next page. Absent on the last page. */
  nextCursor?: string;
}

/**
 * Everything Vigil keeps, behind one interface, so the embedded engine (chDB) and a ClickHouse
 * server run the same SQL through the same code. Every write is idempotent: rows carry deterministic
 * ids and land in ReplacingMergeTree tables, so a replay after a crash merges away.
 */
export interface Store {
  /** Applies numbered migrations in libs/store/migrations not yet applied. */
  migrate(): Promise<void>;
  insertEvents(events: NormalizedEvent[]): Promise<void>;
  insertDeadLetters(rows: DeadLetter[]): Promise<void>;
  deadLetterCount(): Promise<number>;
  countEvents(): Promise<number>;
  /** Writes alert versions; the highest version of each id wins. */
  upsertAlerts(alerts: Alert[]): Promise<void>;
  getAlert(id: string): Promise<Alert | undefined>;
  listAlerts(filter: AlertFilter): Promise<AlertPage>;
  /** Open and acknowledged alerts, for the alert manager to keep aggregating after a restart. */
  loadActiveAlerts(): Promise<Alert[]>;
  getEvents(eventIds: string[]): Promise<StoredEvent[]>;
  principalSummary(principal: string, opts: { recent: number }): Promise<PrincipalSummary | undefined>;
  inventory(opts: { limit: number }): Promise<InventoryRoute[]>;
  createApiKey(rec: ApiKeyRecord): Promise<void>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  findApiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  revokeApiKey(id: string, at: string): Promise<boolean>;
  /** Live suppression rules (expired ones included: expiry is checked against event time). */
  listSuppressions(): Promise<Suppression[]>;
  /** Creates or replaces the rule with this id. */
  upsertSuppression(s: Suppression): Promise<void>;
  deleteSuppression(id: string): Promise<boolean>;
  /** Writes baseline snapshots; the highest version of each detector + scope + key wins. */
  saveBaselines(rows: BaselineSnapshot[]): Promise<void>;
  /** The latest snapshot of every baseline (of one detector when given), for restore at start. */
  loadBaselines(detector?: string): Promise<BaselineSnapshot[]>;
  /** Cheap round trip, for /readyz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export type { Role };
