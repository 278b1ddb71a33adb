import type { NormalizedEvent } from '../../libs/contracts/index.js';

/**
 * Whether an event is a search or list read: what a scraper repeats. GET on a collection (the
 * route's last segment is literal: not an `{id}`, an `$operation` or `_history`), or a FHIR
 * `POST .../_search`. A literal route without query or paging (`/users/me`, `/metadata`) is one
 * object, not a list, unless its last segment is a FHIR resource type (capitalised).
 */
export function isSearch(ev: NormalizedEvent): boolean {
  if (ev.status < 200 || ev.status >= 300) return false;
  const slash = ev.route.lastIndexOf('/');
  const last = ev.route.slice(slash + 1);
  if (ev.method === 'POST') return last === '_search';
  if (ev.method !== 'GET') return false;
  if (last === '' || last === '{id}' || last.startsWith('$') || last === '_history' || last === 'metadata') return false;
  if (last === '_search') return true;
  return ev.queryKeys.length > 0 || ev.paging !== undefined || /^[A-Z][A-Za-z]+$/.test(last);
}

/** A request for a page past the first: offset > 0, page > 1, or a continuation cursor. */
export function isDeepPage(ev: NormalizedEvent): boolean {
  const p = ev.paging;
  if (p === undefined) return false;
  return (p.offset !== undefined && p.offset > 0) || (p.page !== undefined && p.page > 1) || p.cursor === true;
}
