import { createHash } from 'node:crypto';
import type { Alert, AlertPatch, Finding } from '../../libs/contracts/index.js';
import { SEVERITY_RANK } from '../../libs/contracts/index.js';
import type { Logger } from '../../libs/log/index.js';
import type { Store } from '../../libs/store/types.js';
import type { Suppressor } from './suppressions.js';

export interface AlertManager {
  /** Loads open and acknowledged alerts so repeats after a restart join them instead of duplicating. */
  load(): Promise<void>;
  /** Aggregates findings into alerts in memory; `flush` writes what changed. */
  onFindings(findings: readonly Finding[]): void;
  /** Writes every alert changed since the last flush. Call after the events they cite are stored. */
  flush(): Promise<void>;
  /** Analyst triage: status and/or note. Written at once. */
  patch(id: string, patch: AlertPatch): Promise<Alert | undefined>;
  stats(): { active: number; created: number; updated: number; suppressed: number };
}

/** How many sample event ids an alert keeps: the first few and the latest few. */
const SAMPLE_HEAD = 5;
const SAMPLE_TAIL = 5;
const MAX_SOURCE_IPS = 20;
/** For findings whose detector states no confidence. */
const DEFAULT_CONFIDENCE = 0.5;

/**
 * One open alert per principal + detector + route, whatever the number of findings: repeats raise
 * `count`, move `lastSeen`, collect source IPs and keep the latest evidence. Resolving an alert (or
 * marking it a false positive) closes its slot, so a later finding opens a new alert.
 *
 * NOTE: replay idempotency. An alert loaded from the store has already counted every finding up to
 * its `lastSeen`; findings at or before that event time are treated as a replay of the same input
 * and not counted again. Together with deterministic event ids, re-running a file changes nothing.
 */
export function createAlertManager(deps: { store: Store; logger: Logger; suppressor?: Suppressor; now?: () => Date;
  /** Told of every alert version `flush` wrote, once the store acknowledged it (Kafka: vigil.alerts). */
  onWritten?: (alerts: readonly Alert[]) => void;
}): AlertManager {
  const now = deps.now ?? (() => new Date());
  const log = deps.logger.child({ component: 'alert-manager' });
  const active = new Map<string, Alert>();
  /** Per alert id: last event time already counted when loaded from the store. */
  const watermark = new Map<string, number>();
  const dirty = new Map<string, Alert>();
  let created = 0;
  let updated = 0;
  let suppressed = 0;

  const keyOf = (a: { principal: string; detector: string; route: string }) => `${a.principal}\u0000${a.detector}\u0000${a.route}`;

  function open(f: Finding): Alert {
    const id = `alr_${createHash('sha256').update(`${f.detector}\u0000${f.principal}\u0000${f.route}\u0000${f.eventId}`).digest('hex').slice(0, 24)}`;
    const at = new Date(f.ts).toISOString();
    created++;
    return {
      id,
      detector: f.detector,
      owasp: f.owasp,
      severity: f.severity,
      principal: f.principal,
      ...(f.app === undefined ? {} : { app: f.app }),
      route: f.route,
      sourceIps: [f.sourceIp],
      firstSeen: at,
      lastSeen: at,
      count: 1,
      status: 'open',
      summary: f.summary,
      evidence: withPatterns(f.evidence, undefined),
      confidence: f.confidence ?? DEFAULT_CONFIDENCE,
      sampleEventIds: [f.eventId],
      version: 1,
      updatedAt: now().toISOString(),
    };
  }

  function merge(a: Alert, f: Finding): Alert {
    updated++;
    const ips = a.sourceIps.includes(f.sourceIp) || a.sourceIps.length >= MAX_SOURCE_IPS ? a.sourceIps : [...a.sourceIps, f.sourceIp];
    const samples = a.sampleEventIds.includes(f.eventId)
      ? a.sampleEventIds
      : a.sampleEventIds.length < SAMPLE_HEAD + SAMPLE_TAIL
        ? [...a.sampleEventIds, f.eventId]
        : [...a.sampleEventIds.slice(0, SAMPLE_HEAD), ...a.sampleEventIds.slice(SAMPLE_HEAD + 1), f.eventId];
    const later = f.ts >= Date.parse(a.lastSeen);
    return {
      ...a,
      severity: SEVERITY_RANK[f.severity] > SEVERITY_RANK[a.severity] ? f.severity : a.severity,
      sourceIps: ips,
      lastSeen: later ? new Date(f.ts).toISOString() : a.lastSeen,
      firstSeen: f.ts < Date.parse(a.firstSeen) ? new Date(f.ts).toISOString() : a.firstSeen,
      count: a.count + 1,
      // The newest finding describes the situation as it stands; pattern counts keep the history.
      summary: later ? f.summary : a.summary,
      evidence: later ? withPatterns(f.evidence, a.evidence) : withPatterns(a.evidence, a.evidence, f.evidence),
      confidence: Math.max(a.confidence, f.confidence ?? DEFAULT_CONFIDENCE),
      sampleEventIds: samples,
      version: a.version + 1,
      updatedAt: now().toISOString(),
    };
  }

  return {
    async load() {
      const alerts = await deps.store.loadActiveAlerts();
      for (const a of alerts) {
        active.set(keyOf(a), a);
        watermark.set(a.id, Date.parse(a.lastSeen));
      }
      log.info({ event: 'alerts_loaded', active: alerts.length });
    },

    onFindings(findings) {
      for (const f of findings) {
        if (deps.suppressor?.match(f)) {
          suppressed++;
          continue;
        }
        const key = keyOf(f);
        const current = active.get(key);
        if (current && f.ts <= (watermark.get(current.id) ?? -Infinity)) continue;
        const next = current ? merge(current, f) : open(f);
        active.set(key, next);
        dirty.set(next.id, next);
      }
    },

    async flush() {
      if (dirty.size === 0) return;
      const batch = [...dirty.values()];
      await deps.store.upsertAlerts(batch);
      deps.onWritten?.(batch);
      // Only forget what was written; findings that arrived during the write stay dirty.
      for (const a of batch) if (dirty.get(a.id) === a) dirty.delete(a.id);
    },

    async patch(id, patch) {
      let current = [...active.values()].find((a) => a.id === id) ?? dirty.get(id);
      current ??= await deps.store.getAlert(id);
      if (!current) return undefined;
      const next: Alert = {
        ...current,
        ...(patch.status === undefined ? {} : { status: patch.status }),
        ...(patch.note === undefined ? {} : { note: patch.note }),
        version: current.version + 1,
        updatedAt: now().toISOString(),
      };
      const key = keyOf(next);
      const closed = next.status === 'resolved' || next.status === 'false_positive';
      if (closed) {
        if (active.get(key)?.id === id) active.delete(key);
      } else if (!active.has(key) || active.get(key)?.id === id) {
        active.set(key, next);
      }
      dirty.delete(id);
      await deps.store.upsertAlerts([next]);
      // Triage is a version like any other: SIEMs (outbox) and vigil.alerts hear of it at once.
      deps.onWritten?.([next]);
      // A false positive says "this pattern from this principal here is fine": keep its repeats quiet.
      if (next.status === 'false_positive' && current.status !== 'false_positive' && deps.suppressor) {
        await deps.suppressor.addFalsePositive({ ...next, ...(patch.note === undefined ? {} : { note: patch.note }) });
      }
      log.info({ event: 'alert_triaged', alert_id: id, status: next.status, version: next.version });
      return next;
    },

    stats: () => ({ active: active.size, created, updated, suppressed }),
  };
}

/**
 * Evidence of the newest finding plus `patterns`: how many findings of each pattern the alert
 * aggregated (e.g. {distinct_ids: 40, sequential_walk: 3}), so older kinds of evidence are not lost.
 */
function withPatterns(base: Record<string, unknown>, previous: Record<string, unknown> | undefined, extra?: Record<string, unknown>) {
  const counts: Record<string, number> = { ...((previous?.patterns as Record<string, number> | undefined) ?? {}) };
  const pattern = (extra ?? base).pattern;
  if (typeof pattern === 'string') counts[pattern] = (counts[pattern] ?? 0) + 1;
  return { ...base, patterns: counts };
}
