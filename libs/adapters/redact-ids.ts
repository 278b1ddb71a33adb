// A line that failed to parse still names patients and objects: in its paths
// (/fhir/Patient/8812345, Location headers, Kong's url and upstream_uri), its query values
// (patient=..., subject=Patient/...) and Kong's parsed querystring table. Raw identifiers must
// never reach storage (README, issue 6's privacy proof), and a dead letter is not tokenized, so
// maskIdentifiers masks them before redactRaw keeps the line: id segments of paths and id-like
// JSON string values become `{id}`, as route templates show them, and every query value becomes
// `{value}` (a search value may be a name or a birth date, not only an id). Keys, words, numbers
// and structure stay readable.
import { classifySegment, isFhirBaseMarker, isIdLike } from '../routes/classify.js';

/** `name=value` at the start of a query: after `?`, `&`, or an opening quote (nginx `args`, native `query`). */
const QUERY_PAIR = /([?&"])([^=&\s"'#\\?/]{1,64})=([^&\s"'#\\]+)/g;
/** A path: segments after `/` (or `\/` in JSON written with escaped slashes). */
const PATH = /(?:\\?\/[^/\s"'?#&\\<>{}[\]]*)+/g;
const SEPARATOR = /(\\?\/)/;
/** Kong's querystring table: every value in it is a query value. */
const QUERYSTRING_MEMBER = /"querystring"[ \t\r\n]*:[ \t\r\n]*(?=\{)/g;

/** A quoted value in a reason (adapters quote the offending field: `status is not a number: "..."`). */
const QUOTED = /"([^"\\]{1,64})"/g;

/** `"name": "value"` in JSON text, value without escapes (ids have none). */
const MEMBER_STRING = /("[A-Za-z0-9_.-]{1,64}"[ \t]*:[ \t]*)"([^"\\]{1,128})"/g;

export function maskIdentifiers(text: string): string {
  const queriesMasked = maskQuerystringMembers(text).replace(QUERY_PAIR, (_m: string, lead: string, name: string) => `${lead}${name}={value}`);
  // Whole member values that are ids wherever they stand (a request id, or a patient id in a
  // field a custom log format shifted), then ids inside paths.
  return queriesMasked.replace(MEMBER_STRING, (whole: string, key: string, value: string) => (isIdLike(value) ? `${key}"{id}"` : whole)).replace(PATH, maskPath);
}

/**
 * A dead letter's reason, safe to store: adapters quote the value of the field that failed, and a
 * log format with shifted fields puts a path or an id there (`status is not a number: "PAT-1234"`).
 * NOTE: id-like values shorter than 5 characters stay: they are typos such as "2OO" far more often
 * than record ids, and say to the operator what went wrong.
 */
export function maskReason(reason: string): string {
  return maskIdentifiers(reason).replace(QUOTED, (whole: string, value: string) => (value.length >= 5 && isIdLike(value) ? '"{id}"' : whole));
}

/** Classifies each segment as the route templater does (FHIR context included) and masks the ids. */
function maskPath(path: string): string {
  const parts = path.split(SEPARATOR);
  let previous: string | undefined;
  let fhir = false;
  let changed = false;
  // parts alternate: text, separator, segment, separator, segment ...; [0] is '' (the path starts with a separator).
  for (let i = 2; i < parts.length; i += 2) {
    const segment = parts[i] ?? '';
    if (classifySegment(segment, previous, fhir) === 'id') {
      parts[i] = '{id}';
      changed = true;
    } else if (isFhirBaseMarker(segment)) fhir = true;
    previous = segment;
  }
  return changed ? parts.join('') : path;
}

function maskQuerystringMembers(text: string): string {
  if (!text.includes('"querystring"')) return text;
  let out = '';
  let from = 0;
  QUERYSTRING_MEMBER.lastIndex = 0;
  for (let m = QUERYSTRING_MEMBER.exec(text); m !== null; m = QUERYSTRING_MEMBER.exec(text)) {
    const start = m.index + m[0].length;
    const end = objectEnd(text, start);
    out += `${text.slice(from, start)}"{value}"`;
    from = end;
    QUERYSTRING_MEMBER.lastIndex = end;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** Index just past the JSON object starting at `i` (a `{`), or the end of a cut-off text. */
function objectEnd(text: string, i: number): number {
  let depth = 0;
  let inString = false;
  for (let j = i; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (inString) {
      if (c === 0x5c) j++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if ((c === 0x7d || c === 0x5d) && --depth === 0) return j + 1;
  }
  return text.length;
}
