import type { BaselineSnapshot } from '../baseline/index.js';
import type { AuditFilter, AuditRecord } from '../contracts/audit.js';
import type { Alert, AlertFilter, ApiKeyRecord, DeadLetter, NormalizedEvent, Role, Suppression } from '../contracts/index.js';
import type { Phi } from '../contracts/index.js';
import type { DeliveryStore } from './deliveries.js';
import type { DestinationStore } from './destinations.js';
import type { InventoryStore } from './inventory.js';
import type { SpecStore } from './specs.js';
import type { ActivitySeriesStore } from './activity-series.js';
import type { OverviewStore } from './overview.js';
import type { EncodedEventRows } from './event-rows.js';

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
  /** PHI classification of the event's mirrored bodies; absent when no body was seen (docs/phi.md). */
  phi?: Phi;
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
  timeline: { hour: string; events: number; errors: number; distinctObjects: number }[];
  recentEvents: StoredEvent[];
}

/** Who referenced one object (e.g. a Patient), newest events first; identifiers stay tokenized. */
export interface ObjectAccess {
  principals: { principal: string; events: number; failures: number; firstSeen: string; lastSeen: string; apps: string[] }[];
  recentEvents: StoredEvent[];
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
  /** One insert of rows encoded ahead (event-rows.ts): what the batch writer holds instead of events. */
  insertEventRows(rows: EncodedEventRows): Promise<void>;
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
  /** Events referencing the object `type` under any of `tokens` (one per active tokenization key). */
  objectAccess(type: string, tokens: readonly string[], opts: { limit: number }): Promise<ObjectAccess>;
  principalSummary(principal: string, opts: { recent: number }): Promise<PrincipalSummary | undefined>;
  createApiKey(rec: ApiKeyRecord): Promise<void>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  findApiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  revokeApiKey(id: string, at: string): Promise<boolean>;
  /**
   * Stores `next` (rotatedFrom = id) and a version of key `id` with replacedBy and expiresAt (the
   * end of the grace period). The updated old record, or undefined when `id` is unknown or revoked.
   */
  rotateApiKey(id: string, next: ApiKeyRecord, oldExpiresAt: string): Promise<ApiKeyRecord | undefined>;
  /** Last-use times; the latest per key wins (listApiKeys shows it as lastUsedAt). */
  recordApiKeyUse(uses: { id: string; at: string }[]): Promise<void>;
  /** Appends audit rows; audit_log is never updated or deleted from (TTL only). */
  insertAuditRecords(rows: AuditRecord[]): Promise<void>;
  /** Newest first; pass nextCursor back as cursor. */
  listAuditRecords(filter: AuditFilter): Promise<{ records: AuditRecord[]; nextCursor?: string }>;
  /** Live suppression rules (expired ones included: expiry is checked against event time). */
  listSuppressions(): Promise<Suppression[]>;
  /** Creates or replaces the rule with this id. */
  upsertSuppression(s: Suppression): Promise<void>;
  deleteSuppression(id: string): Promise<boolean>;
  /** Writes baseline snapshots; the highest version of each detector + scope + key wins. */
  saveBaselines(rows: BaselineSnapshot[]): Promise<void>;
  /** The latest snapshot of every baseline (of one detector when given), for restore at start. */
  loadBaselines(detector?: string): Promise<BaselineSnapshot[]>;
  /** The latest principal rows whose principal lives on these vigil.events partitions (a Kafka handoff). */
  loadPartitionBaselines(partitions: readonly number[]): Promise<BaselineSnapshot[]>;
  /** Handoff markers: the offset after the last event the saved baselines of a partition reflect. */
  saveBaselinePositions(positions: readonly { partition: number; nextOffset: bigint; version: number }[]): Promise<void>;
  loadBaselinePositions(partitions: readonly number[]): Promise<Map<number, bigint>>;
  // SIEM destinations and the delivery outbox (libs/store/destinations.ts, deliveries.ts).
  listDestinations: DestinationStore['listDestinations'];
  getDestination: DestinationStore['getDestination'];
  putDestination: DestinationStore['putDestination'];
  deleteDestination: DestinationStore['deleteDestination'];
  enqueueDeliveries: DeliveryStore['enqueueDeliveries'];
  lastEnqueued: DeliveryStore['lastEnqueued'];
  deliveryWatermarks: DeliveryStore['deliveryWatermarks'];
  alertsUpdatedSince: DeliveryStore['alertsUpdatedSince'];
  dueDeliveries: DeliveryStore['dueDeliveries'];
  saveDelivery: DeliveryStore['saveDelivery'];
  getDelivery: DeliveryStore['getDelivery'];
  // API inventory and declared specs (libs/store/inventory.ts, specs.ts).
  upsertInventoryRoutes: InventoryStore['upsertInventoryRoutes'];
  loadInventoryStates: InventoryStore['loadInventoryStates'];
  listInventory: InventoryStore['listInventory'];
  getInventoryRoute: InventoryStore['getInventoryRoute'];
  inventoryRouteStats: InventoryStore['inventoryRouteStats'];
  putSpec: SpecStore['putSpec'];
  listSpecs: SpecStore['listSpecs'];
  deleteSpec: SpecStore['deleteSpec'];
  listDeliveries: DeliveryStore['listDeliveries'];
  pendingStats: DeliveryStore['pendingStats'];
  // Console read models (libs/store/activity-series.ts, overview.ts).
  activitySeries: ActivitySeriesStore['activitySeries'];
  alertsOverTime: OverviewStore['alertsOverTime'];
  topPrincipals: OverviewStore['topPrincipals'];
  eventsPerMinute: OverviewStore['eventsPerMinute'];
  lastEventAt: OverviewStore['lastEventAt'];
  deliveryCounts: OverviewStore['deliveryCounts'];
  /** Cheap round trip, for /readyz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export type { Role };
export type { DeliveryFilter, LastEnqueued, OutboxDelivery, PendingStats } from './deliveries.js';
