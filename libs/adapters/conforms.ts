// A fast check that an adapter-built event satisfies ApiEventSchema, so the hot path can skip
// zod. Why: ApiEventSchema.safeParse costs ~6 µs per event on a typical event, more than
// mapping it, and the pipeline's budget is ~20 µs per event in all (50,000 events/s per core).
//
// Invariant: conforms(e) === true implies ApiEventSchema.safeParse(e) succeeds and returns an
// equal object. It may say false for a valid event (then zod decides and names the problem), never
// true for an invalid one. conforms.test.ts checks this against zod on every fixture and on a
// mutation per constraint, and fails when the contract gains a key this file does not know.
import { MAX_BODY_CHARS, type ApiEvent, type ApiEventInput } from '../contracts/index.js';
import { isIsoZ } from './iso-time.js';

/** The keys of ApiEventSchema, in contract order. */
export const EVENT_KEYS = [
  'time',
  'method',
  'scheme',
  'host',
  'path',
  'query',
  'status',
  'requestHeaders',
  'responseHeaders',
  'requestBytes',
  'responseBytes',
  'latencyMs',
  'clientIp',
  'consumer',
  'authenticatedEntity',
  'service',
  'gatewayRoute',
  'requestId',
  'fields',
  'requestBody',
  'responseBody',
] as const;
const KNOWN = new Set<string>(EVENT_KEYS);


function optText(v: unknown, max: number): boolean {
  return v === undefined || (typeof v === 'string' && v.length <= max);
}

function optCount(v: unknown): boolean {
  return v === undefined || (Number.isSafeInteger(v) && (v as number) >= 0);
}

function isPlain(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function stringMap(v: unknown): boolean {
  if (!isPlain(v)) return false;
  for (const k in v) if (typeof v[k] !== 'string') return false;
  return true;
}

/** Optional sub-object with only the given optional text keys (zod would strip others: let it). */
function optTextObject(v: unknown, keys: ReadonlySet<string>): boolean {
  if (v === undefined) return true;
  if (!isPlain(v)) return false;
  for (const k in v) if (!keys.has(k) || !optText(v[k], Number.MAX_SAFE_INTEGER)) return false;
  return true;
}

const CONSUMER_KEYS = new Set(['id', 'username', 'customId']);
const ENTITY_KEYS = new Set(['id', 'consumerId']);

function isMethod(v: unknown): boolean {
  if (typeof v !== 'string' || v.length === 0 || v.length > 32) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i) | 0x20;
    if (c < 97 || c > 122) return false;
  }
  return true;
}

export function conforms(e: ApiEventInput): e is ApiEvent {
  for (const k in e) if (!KNOWN.has(k)) return false;
  const { time, path, status, latencyMs, clientIp } = e;
  if (typeof time !== 'string' || !isIsoZ(time)) return false;
  if (!isMethod(e.method)) return false;
  if (e.scheme !== undefined && e.scheme !== 'http' && e.scheme !== 'https') return false;
  if (typeof path !== 'string' || path.length === 0 || path.length > 8192 || path.charCodeAt(0) !== 47) return false;
  if (!Number.isInteger(status) || status < 0 || status > 999) return false;
  // Both maps must be present: zod's default({}) would otherwise add them to its copy.
  if (!stringMap(e.requestHeaders) || !stringMap(e.responseHeaders)) return false;
  if (!optCount(e.requestBytes) || !optCount(e.responseBytes)) return false;
  if (latencyMs !== undefined && !(Number.isFinite(latencyMs) && latencyMs >= 0)) return false;
  if (typeof clientIp !== 'string' || clientIp.length === 0 || clientIp.length > 64) return false;
  if (!optTextObject(e.consumer, CONSUMER_KEYS) || !optTextObject(e.authenticatedEntity, ENTITY_KEYS)) return false;
  if (!optText(e.host, 512) || !optText(e.query, 16384)) return false;
  if (!optText(e.service, 256) || !optText(e.gatewayRoute, 256) || !optText(e.requestId, 256)) return false;
  if (!optText(e.requestBody, MAX_BODY_CHARS) || !optText(e.responseBody, MAX_BODY_CHARS)) return false;
  return e.fields === undefined || stringMap(e.fields);
}
