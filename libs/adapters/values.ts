// Small readers shared by the adapters. Gateways disagree on types (Kong < 1.x writes sizes as
// strings, nginx leaves variables empty, Envoy writes "-" or null for unset values), so every
// reader accepts the spellings a real gateway produces and reports anything else as a problem.
// Problems are collected as text instead of thrown: a bad line is an expected outcome.

export type Problems = string[];

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A value a gateway writes for "nothing here": absent, null, "" (nginx) or "-" (Envoy, combined). */
export function isUnset(v: unknown): boolean {
  return v === undefined || v === null || v === '' || v === '-';
}

/** Non-empty text, or undefined. Numbers and booleans become text (Envoy typed JSON, custom mirrors). */
export function optString(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' || v === '-' ? undefined : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function describe(v: unknown): string {
  if (typeof v === 'string') return `"${v.length > 32 ? `${v.slice(0, 32)}…` : v}"`;
  if (Array.isArray(v)) return 'an array';
  return v === null ? 'null' : typeof v === 'object' ? 'an object' : typeof v;
}

/** A number written as a JSON number or as numeric text; unset spellings give undefined. */
export function optNumber(v: unknown, name: string, problems: Problems): number | undefined {
  if (typeof v === 'number') {
    if (Number.isFinite(v)) return v;
    problems.push(`${name} is not a finite number`);
    return undefined;
  }
  if (isUnset(v)) return undefined;
  if (typeof v === 'string') {
    // NOTE: Number('') is 0 and Number(' ') is 0; both were handled as unset or fail the digit check.
    const n = Number(v);
    if (Number.isFinite(n) && v.trim() !== '') return n;
  }
  problems.push(`${name} is not a number: ${describe(v)}`);
  return undefined;
}

export function optInt(v: unknown, name: string, problems: Problems): number | undefined {
  const n = optNumber(v, name, problems);
  if (n === undefined || Number.isInteger(n)) return n;
  problems.push(`${name} is not an integer: ${n}`);
  return undefined;
}

/** Seconds (nginx $request_time, $msec) to milliseconds, rounded to microseconds to drop float noise. */
export function secondsToMs(s: number): number {
  return Math.round(s * 1_000_000) / 1000;
}

/** Splits a request target into path and raw query (no '?', undefined when empty). No decoding. */
export function splitTarget(target: string): { path: string; query: string | undefined } {
  const q = target.indexOf('?');
  if (q < 0) return { path: target, query: undefined };
  const query = target.slice(q + 1);
  return { path: target.slice(0, q), query: query === '' ? undefined : query };
}

/**
 * Splits an absolute URL ("https://host:8443/p?q=1") without `new URL`, which would normalize
 * (and so change) the path and query. Returns undefined when it is not http(s)://.
 */
export function splitUrl(url: string): { scheme: 'http' | 'https'; authority: string; target: string } | undefined {
  let scheme: 'http' | 'https';
  let rest: string;
  if (url.startsWith('https://')) {
    scheme = 'https';
    rest = url.slice(8);
  } else if (url.startsWith('http://')) {
    scheme = 'http';
    rest = url.slice(7);
  } else return undefined;
  let end = rest.length;
  for (let i = 0; i < rest.length; i++) {
    const c = rest.charCodeAt(i);
    if (c === 47 /* / */ || c === 63 /* ? */) {
      end = i;
      break;
    }
  }
  const target = rest.slice(end);
  return { scheme, authority: rest.slice(0, end), target: target === '' ? '/' : target.startsWith('?') ? `/${target}` : target };
}

/** 'http' or 'https' in any case; anything else (ws, grpc, "-") is left out. */
export function asScheme(v: unknown): 'http' | 'https' | undefined {
  if (typeof v !== 'string' || v.length > 5) return undefined;
  const s = v.toLowerCase();
  return s === 'http' || s === 'https' ? s : undefined;
}

/** "10.0.0.1:5123" -> "10.0.0.1", "[2001:db8::1]:443" -> "2001:db8::1"; bare IPv6 stays as it is. */
export function stripPort(addr: string): string {
  if (addr.startsWith('[')) {
    const close = addr.indexOf(']');
    return close > 0 ? addr.slice(1, close) : addr;
  }
  const colon = addr.indexOf(':');
  if (colon < 0 || addr.indexOf(':', colon + 1) >= 0) return addr;
  return addr.slice(0, colon);
}

/** One header value: strings as they are, lists joined with ", " (the schema's rule), others dropped. */
export function headerValue(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) {
    const parts: string[] = [];
    for (const item of v) if (typeof item === 'string') parts.push(item);
    return parts.length > 0 ? parts.join(', ') : undefined;
  }
  return undefined;
}

/** Copies a header map with lowercased names, skipping values no gateway would write for a header. */
export function copyHeaders(src: unknown, into: Record<string, string>, skipUnset = false): void {
  if (!isRecord(src)) return;
  for (const name in src) {
    const raw = src[name];
    if (skipUnset && isUnset(raw)) continue;
    const value = headerValue(raw);
    if (value !== undefined) into[isLowerAscii(name) ? name : name.toLowerCase()] = value;
  }
}

/**
 * The header map copyHeaders(src, {}) would make. When `src` already is one (a plain object whose
 * names are lowercase ASCII and whose values are all strings: what Kong logs), it is returned
 * itself: a copy costs ~1 µs per event, most of it adding the properties one by one.
 * NOTE: the result may be `src`: the caller hands `src` over and must not change either later.
 * NOTE: a '__proto__' name (an own property in JSON.parse output) forces the copy, which drops it
 * (assigning a string to __proto__ does nothing).
 */
export function headerMap(src: unknown): Record<string, string> {
  if (isRecord(src) && isLowerStringMap(src)) return src as Record<string, string>;
  const into: Record<string, string> = {};
  copyHeaders(src, into);
  return into;
}

function isLowerStringMap(src: Record<string, unknown>): boolean {
  if (Object.getPrototypeOf(src) !== Object.prototype) return false;
  for (const name in src) {
    if (typeof src[name] !== 'string' || !isLowerAscii(name) || name === '__proto__') return false;
  }
  return true;
}

/**
 * True when toLowerCase would return the text unchanged because it is ASCII without A-Z. Gateways
 * mostly log header names lowercased already, and this scan costs less than toLowerCase.
 */
export function isLowerAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f || (c >= 0x41 && c <= 0x5a)) return false;
  }
  return true;
}
