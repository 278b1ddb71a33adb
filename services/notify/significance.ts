import { SEVERITY_RANK, type Alert, type Destination } from '../../libs/contracts/index.js';
import type { LastEnqueued } from '../../libs/store/types.js';

/** Whether a destination's filters (minimum severity, detectors) let this alert through. */
export function matchesFilters(d: Pick<Destination, 'minSeverity' | 'detectors'>, alert: Pick<Alert, 'severity' | 'detector'>): boolean {
  if (d.minSeverity !== undefined && SEVERITY_RANK[alert.severity] < SEVERITY_RANK[d.minSeverity]) return false;
  if (d.detectors !== undefined && !d.detectors.includes(alert.detector)) return false;
  return true;
}

/** 1-9 -> 0, 10-99 -> 1, 100-999 -> 2 ... (string length: exact, no floating-point log10). */
export function decade(count: number): number {
  return String(Math.max(1, Math.trunc(count))).length - 1;
}

/**
 * The significance rule: which alert versions a SIEM hears about, compared with the version last
 * enqueued for the same destination (not with the previous alert version, which may never have
 * been written or may have been filtered out):
 * - nothing enqueued yet for this alert and destination (a new alert, or one that just rose above
 *   the destination's minimum severity);
 * - a different severity or status (triage: acknowledged, resolved, false_positive);
 * - the count crossed a power of ten (1 -> 10 -> 100 -> ...).
 * Anything else (one more repeat finding, a moved lastSeen, a note) is not sent: a noisy principal
 * must not flood a SIEM with one update per request.
 */
export function isSignificant(alert: Pick<Alert, 'version' | 'severity' | 'status' | 'count'>, last: LastEnqueued | undefined): boolean {
  if (last === undefined) return true;
  if (alert.version <= last.version) return false;
  return alert.severity !== last.severity || alert.status !== last.status || decade(alert.count) > decade(last.count);
}
