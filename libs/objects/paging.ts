import type { Paging } from '../contracts/index.js';
import { queryPairs } from './query.js';

/**
 * Paging parameters of a request, as numbers and a flag only (never the cursor value, which can
 * embed ids): what scraping detection needs to see a client walk pages or inflate page sizes.
 * Covers FHIR (`_count`, `_offset`, HAPI's `_getpages` / `_getpagesoffset`), common REST styles
 * (page/per_page, offset/limit, start/size, skip/top, JSON:API `page[...]`) and cursor tokens.
 */
const OFFSET = new Set(['offset', '_offset', '_getpagesoffset', 'start', '_start', 'startindex', 'skip', '$skip', 'from', 'page[offset]']);
const PAGE = new Set(['page', '_page', 'pagenumber', 'page_number', 'pageindex', 'page[number]']);
const COUNT = new Set(['_count', 'count', 'limit', '_limit', 'per_page', 'perpage', 'pagesize', 'page_size', 'size', 'page[size]', 'page[limit]', 'top', '$top', 'maxresults', 'max_results']);
const CURSOR = new Set([
  '_getpages',
  'cursor',
  '_cursor',
  'after',
  'before',
  'starting_after',
  'ending_before',
  'page_token',
  'pagetoken',
  'next_token',
  'nexttoken',
  'continuation',
  'continuationtoken',
  'ct',
  '$skiptoken',
  'search_after',
  'page[after]',
  'page[before]',
  'page[cursor]',
]);

/** Cheap pre-check so queries without any paging-looking name are not parsed twice. */
const HINT = /count|limit|offset|page|cursor|start|skip|size|after|before|token|top|continuation|ct=|from|max/i;
const INTEGER = /^\d{1,15}$/;

/** `pairs`: queryPairs(query) when the caller already has it (normalize splits each query once). */
export function extractPaging(query: string | undefined, pairs?: readonly (readonly [string, string])[]): Paging | undefined {
  if (query === undefined || query === '' || !HINT.test(query)) return undefined;
  let paging: Paging | undefined;
  for (const [rawName, value] of pairs ?? queryPairs(query)) {
    const name = rawName.toLowerCase();
    if (CURSOR.has(name)) {
      if (value !== '') (paging ??= {}).cursor = true;
      continue;
    }
    const field = OFFSET.has(name) ? 'offset' : PAGE.has(name) ? 'page' : COUNT.has(name) ? 'count' : undefined;
    if (field === undefined || !INTEGER.test(value)) continue;
    // The first occurrence wins, as most servers read it.
    (paging ??= {})[field] ??= Number(value);
  }
  return paging;
}
