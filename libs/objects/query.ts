/**
 * The name/value pairs of a raw query string, in order, exactly as `new URLSearchParams(query)`
 * yields them. Why not URLSearchParams itself: three readers look at every event's query
 * (objects, paging, API keys), and the WHATWG parser costs ~1 µs where most queries need no
 * decoding at all. Such queries are split here; the rest go to URLSearchParams.
 */
export function queryPairs(query: string): [name: string, value: string][] {
  if (needsUrlSearchParams(query)) return [...new URLSearchParams(query)];
  const pairs: [string, string][] = [];
  let start = 0;
  let eq = -1;
  for (let i = 0; i <= query.length; i++) {
    const c = i === query.length ? AMP : query.charCodeAt(i);
    if (c === EQ && eq < 0) eq = i;
    else if (c === AMP) {
      // Empty sequences (a&&b, a trailing &) are skipped, as the form-urlencoded parser does.
      if (i > start) pairs.push(eq < 0 ? [query.slice(start, i), ''] : [query.slice(start, eq), query.slice(eq + 1, i)]);
      start = i + 1;
      eq = -1;
    }
  }
  return pairs;
}

const AMP = 0x26;
const EQ = 0x3d;

/**
 * What only URLSearchParams does right: a leading '?' (dropped), '+' (a space) and '%' (escapes)
 * change the text, and a lone surrogate becomes U+FFFD. Without them each pair is its raw text.
 */
function needsUrlSearchParams(query: string): boolean {
  if (query.charCodeAt(0) === 0x3f) return true;
  for (let i = 0; i < query.length; i++) {
    const c = query.charCodeAt(i);
    if (c === 0x25 || c === 0x2b || (c >= 0xd800 && c <= 0xdfff)) return true;
  }
  return false;
}
