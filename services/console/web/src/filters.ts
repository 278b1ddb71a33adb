import type { Alert } from './types.js';

/** The queue's filters and sort, as kept in the page address (#/alerts?status=open&...). */
export interface QueueFilter {
  status?: string;
  severity?: string;
  detector?: string;
  owasp?: string;
  principal?: string;
  since?: string;
  until?: string;
  sort?: 'lastSeen' | 'severity' | 'count';
  order?: 'asc' | 'desc';
}

export const FILTER_KEYS = ['status', 'severity', 'detector', 'owasp', 'principal', 'since', 'until', 'sort', 'order'] as const;
const SORTS = new Set(['lastSeen', 'severity', 'count']);
const SEVERITY_RANK: Record<string, number> = { low: 1, medium: 2, high: 3, critical: 4 };

export function filterFromParams(p: URLSearchParams): QueueFilter {
  const f: QueueFilter = {};
  for (const k of FILTER_KEYS) {
    const v = p.get(k)?.trim();
    if (!v) continue;
    if (k === 'sort') {
      if (SORTS.has(v)) f.sort = v as QueueFilter['sort'];
    } else if (k === 'order') {
      if (v === 'asc' || v === 'desc') f.order = v;
    } else f[k] = v;
  }
  return f;
}

/** The API query for a filter: exactly the parameters GET /v1/alerts takes, empty ones left out. */
export function filterToParams(f: QueueFilter, extra: Record<string, string> = {}): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of FILTER_KEYS) {
    const v = f[k];
    if (v !== undefined && v !== '') p.set(k, v);
  }
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return p;
}

/** Whether a live (SSE) alert belongs in a queue with this filter; same rules as the API's. */
export function matchesFilter(a: Alert, f: QueueFilter): boolean {
  if (f.status !== undefined && a.status !== f.status) return false;
  if (f.severity !== undefined && a.severity !== f.severity) return false;
  if (f.detector !== undefined && a.detector !== f.detector) return false;
  if (f.owasp !== undefined && a.owasp !== f.owasp) return false;
  if (f.principal !== undefined && a.principal !== f.principal) return false;
  // The API's window is half-open on lastSeen: since <= lastSeen < until.
  const last = Date.parse(a.lastSeen);
  if (f.since !== undefined && last < Date.parse(f.since)) return false;
  if (f.until !== undefined && last >= Date.parse(f.until)) return false;
  return true;
}

/** Orders alerts as the API does for this filter (default newest lastSeen first), id breaking ties. */
export function compareAlerts(f: QueueFilter): (a: Alert, b: Alert) => number {
  const dir = f.order === 'asc' ? 1 : -1;
  const key = (x: Alert): number =>
    f.sort === 'severity' ? (SEVERITY_RANK[x.severity] ?? 0) : f.sort === 'count' ? x.count : Date.parse(x.lastSeen);
  return (a, b) => dir * (key(a) - key(b)) || dir * Date.parse(a.lastSeen) - dir * Date.parse(b.lastSeen) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Merges one live alert version into the list: a newer version replaces the old one in place (or
 * drops it when it no longer matches the filter), a new matching alert is inserted in sort order.
 */
export function mergeLive(list: Alert[], a: Alert, f: QueueFilter): { list: Alert[]; added: boolean } {
  const i = list.findIndex((x) => x.id === a.id);
  if (i >= 0) {
    const old = list[i] as Alert;
    if (old.version >= a.version) return { list, added: false };
    const next = list.slice();
    if (matchesFilter(a, f)) next[i] = a;
    else next.splice(i, 1);
    return { list: next, added: false };
  }
  if (!matchesFilter(a, f)) return { list, added: false };
  const cmp = compareAlerts(f);
  const at = list.findIndex((x) => cmp(a, x) < 0);
  const next = list.slice();
  next.splice(at < 0 ? next.length : at, 0, a);
  return { list: next, added: true };
}
