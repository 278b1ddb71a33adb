/**
 * The shapes the console reads. Alert, inventory and role types come from the zod contracts
 * (type-only imports: nothing of zod is bundled); the rest mirror the API's response schemas
 * (services/api/schemas.ts and the console contract in docs/console.md).
 */
export type { Alert, AlertStatus, Severity } from '../../../../libs/contracts/alert.js';
export type { InventoryEntry } from '../../../../libs/contracts/inventory.js';
export type { Role } from '../../../../libs/contracts/keys.js';
import type { Alert } from '../../../../libs/contracts/alert.js';
import type { InventoryEntry } from '../../../../libs/contracts/inventory.js';
import type { Role } from '../../../../libs/contracts/keys.js';

export interface Session {
  role: Role;
  actor: string;
  csrfToken: string;
  expiresAt: string;
}

export interface StoredEvent {
  eventId: string;
  time: string;
  method: string;
  service: string;
  route: string;
  pathTokenized: string;
  status: number;
  latencyMs: number;
  clientIp: string;
  userAgent: string;
  principal: string;
  app: string;
  authScheme: string;
  objects: { type: string; id: string; via: string; created: boolean }[];
}

export interface AlertDetail {
  alert: Alert;
  sampleEvents: StoredEvent[];
}

export interface AlertPage {
  alerts: Alert[];
  nextCursor?: string;
}

export interface Activity {
  alert: Alert;
  bucketSeconds: number;
  metric: 'events' | 'distinctObjects';
  series: { t: string; events: number; distinctObjects: number; errors: number }[];
  baseline: { t: string; low: number; high: number; mean: number }[];
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
  timeline: { hour: string; events: number; errors: number; distinctObjects: number }[];
  recentEvents: StoredEvent[];
}

export interface InventoryPage {
  routes: InventoryEntry[];
  nextCursor?: string;
}

export interface Overview {
  bucketSeconds: number;
  alertsOverTime: { t: string; detector: string; count: number }[];
  topPrincipals: { principal: string; alerts: number; maxSeverity: string }[];
  ingest: { eventsPerMinute: { t: string; events: number }[]; lagSeconds: number | null; lagMessages?: number | null; lastEventAt: string | null };
  delivery: { destinationId: string; name: string; type: string; pending: number; failed: number; delivered: number; oldestPendingSeconds: number | null }[];
}

export interface BulkResult {
  updated: Alert[];
  notFound: string[];
}
