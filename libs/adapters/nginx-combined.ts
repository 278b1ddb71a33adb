// nginx's predefined "combined" format (and "common", its prefix without referer and user agent):
//   $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"
// nginx escapes '"', '\', control characters and every byte >= 0x7f as \xHH, so a '"' always ends
// a field. The line is scanned by hand, left to right, once: no regular expression, no backtracking.
import type { ApiEventInput } from '../contracts/index.js';
import { isoFromMs } from './iso-time.js';
import type { Mapped } from './outcome.js';
import { splitTarget, splitUrl } from './values.js';

const MONTHS = new Map(['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].map((m, i) => [m, i]));

/** "29/Nov/2026:05:18:59 +0000" ($time_local) -> "2026-11-29T05:18:59.000Z"; undefined if malformed. */
export function parseClfTime(text: string): string | undefined {
  if (text.length !== 26 || text[2] !== '/' || text[6] !== '/' || text[11] !== ':' || text[20] !== ' ') return undefined;
  const month = MONTHS.get(text.slice(3, 6));
  const day = digits(text, 0, 2);
  const year = digits(text, 7, 4);
  const hour = digits(text, 12, 2);
  const minute = digits(text, 15, 2);
  const second = digits(text, 18, 2);
  const offH = digits(text, 22, 2);
  const offM = digits(text, 24, 2);
  const sign = text[21] === '-' ? -1 : text[21] === '+' ? 1 : 0;
  if (month === undefined || sign === 0 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  if (year < 0 || hour < 0 || minute < 0 || second < 0 || offH < 0 || offM < 0) return undefined;
  const local = Date.UTC(year, month, day, hour, minute, second);
  // Date.UTC rolls 31/Feb over into March; a real nginx never writes that, so treat it as garbage.
  if (Number.isNaN(local) || new Date(local).getUTCDate() !== day) return undefined;
  return isoFromMs(local - sign * (offH * 60 + offM) * 60_000);
}

/** Decimal digits at [start, start+len) as a number, or -1 when they are not all digits. */
function digits(s: string, start: number, len: number): number {
  let n = 0;
  for (let i = start; i < start + len; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** Reverses nginx's \xHH escaping; the bytes are UTF-8 (clients send UTF-8 user agents and paths). */
export function unescapeNginx(s: string): string {
  if (!s.includes('\\x')) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c && s[i + 1] === 'x') {
      const h = Number.parseInt(s.slice(i + 2, i + 4), 16);
      if (!Number.isNaN(h) && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 2, i + 4))) {
        bytes.push(h);
        i += 3;
        continue;
      }
    }
    if (c < 0x80) bytes.push(c);
    else for (const b of Buffer.from(s[i] ?? '', 'utf8')) bytes.push(b);
  }
  return Buffer.from(bytes).toString('utf8');
}

function isUintText(s: string): boolean {
  if (s.length === 0 || s.length > 15) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function isLetters(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) | 0x20;
    if (c < 97 || c > 122) return false;
  }
  return true;
}

const NOT_COMBINED = 'nginx combined: line does not match the combined format';

/**
 * One combined/common line to an event. Returns undefined when the line does not even have the
 * combined layout (`addr - user [time] "request"`), so auto-detection can call it unrecognized;
 * a line with that layout but bad content gets a specific reason.
 */
export function combinedToEvent(line: string): Mapped | undefined {
  const sp = line.indexOf(' ');
  if (sp <= 0 || line.charCodeAt(sp + 1) !== 45 /* - */ || line.charCodeAt(sp + 2) !== 32) return undefined;
  const userEnd = line.indexOf(' [', sp + 3);
  if (userEnd < 0) return undefined;
  const timeEnd = line.indexOf('] "', userEnd + 2);
  if (timeEnd < 0) return undefined;
  const requestEnd = line.indexOf('"', timeEnd + 3);
  if (requestEnd < 0) return undefined;

  const clientIp = line.slice(0, sp);
  const remoteUser = line.slice(sp + 3, userEnd);
  const timeText = line.slice(userEnd + 2, timeEnd);
  const request = unescapeNginx(line.slice(timeEnd + 3, requestEnd));

  // After the request: ` $status $body_bytes_sent` and, for combined, ` "$http_referer" "$http_user_agent"`.
  let pos = requestEnd + 1;
  if (line.charCodeAt(pos) !== 32) return NOT_COMBINED;
  const statusEnd = line.indexOf(' ', pos + 1);
  const statusText = line.slice(pos + 1, statusEnd < 0 ? line.length : statusEnd);
  if (!isUintText(statusText) || statusText.length > 3) return `nginx combined: status is not a number: "${statusText.slice(0, 16)}"`;
  if (statusEnd < 0) return 'nginx combined: body_bytes_sent missing';
  const bytesEnd = line.indexOf(' ', statusEnd + 1);
  const bytesText = line.slice(statusEnd + 1, bytesEnd < 0 ? line.length : bytesEnd);
  if (!isUintText(bytesText) && bytesText !== '-') return `nginx combined: body_bytes_sent is not a number: "${bytesText.slice(0, 16)}"`;
  let referer: string | undefined;
  let userAgent: string | undefined;
  if (bytesEnd >= 0 && line.charCodeAt(bytesEnd + 1) === 34 /* " */) {
    pos = bytesEnd + 2;
    const refererEnd = line.indexOf('"', pos);
    if (refererEnd < 0 || line.charCodeAt(refererEnd + 1) !== 32 || line.charCodeAt(refererEnd + 2) !== 34) return NOT_COMBINED;
    const uaEnd = line.indexOf('"', refererEnd + 3);
    if (uaEnd < 0) return NOT_COMBINED;
    // Anything after the user agent (formats that append fields to combined) is ignored.
    referer = line.slice(pos, refererEnd);
    userAgent = line.slice(refererEnd + 3, uaEnd);
  }

  const time = parseClfTime(timeText);
  if (time === undefined) return `nginx combined: time is not a date: "${timeText.slice(0, 32)}"`;
  const status = Number(statusText);
  if (request === '-' || request === '') return `nginx combined: no request line ("-"), status ${status}`;
  const target = requestTarget(request);
  if (target === undefined) return `nginx combined: malformed request line (not "METHOD /target HTTP/x"), status ${status}`;

  const requestHeaders: Record<string, string> = {};
  if (userAgent !== undefined && userAgent !== '-') requestHeaders['user-agent'] = unescapeNginx(userAgent);
  if (referer !== undefined && referer !== '-') requestHeaders.referer = unescapeNginx(referer);
  const event: ApiEventInput = {
    time,
    method: target.method,
    scheme: target.scheme,
    host: target.host,
    path: target.path,
    query: target.query,
    status,
    requestHeaders,
    responseHeaders: {},
    responseBytes: bytesText === '-' ? undefined : Number(bytesText),
    clientIp,
    fields: remoteUser === '-' || remoteUser === '' ? undefined : { remote_user: unescapeNginx(remoteUser) },
  };
  return event;
}

interface Target {
  method: string;
  path: string;
  query: string | undefined;
  scheme?: 'http' | 'https' | undefined;
  host?: string | undefined;
}

/** "GET /fhir/Patient?x=1 HTTP/1.1" (or HTTP/0.9 "GET /", or proxy form "GET http://h/p HTTP/1.1"). */
function requestTarget(request: string): Target | undefined {
  const first = request.indexOf(' ');
  if (first <= 0) return undefined;
  const method = request.slice(0, first);
  if (!isLetters(method) || method.length > 32) return undefined;
  const last = request.lastIndexOf(' ');
  const target = last > first && request.startsWith('HTTP/', last + 1) ? request.slice(first + 1, last) : request.slice(first + 1);
  if (target.startsWith('/')) return { method, ...splitTarget(target) };
  const url = splitUrl(target);
  if (url === undefined) return undefined;
  return { method, scheme: url.scheme, host: url.authority, ...splitTarget(url.target) };
}
