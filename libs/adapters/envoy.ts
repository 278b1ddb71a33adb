// Envoy JSON access logs written with fixtures/envoy/vigil-access-log.yaml (log_format.json_format).
// Top-level keys follow Istio's JSON access log format, so Istio sidecar/gateway logs parse too;
// headers Istio does not log sit in nested request_headers / response_headers maps.
// Unset values: json_format renders numbers as numbers and unset values as null; the older
// string-only formats write "-". Both are read as "absent".
import type { ApiEventInput } from '../contracts/index.js';
import { toIsoZ } from './iso-time.js';
import type { Mapped } from './outcome.js';
import {
  asScheme,
  copyHeaders,
  isRecord,
  isUnset,
  optInt,
  optNumber,
  optString,
  splitTarget,
  stripPort,
  type Problems,
} from './values.js';

/** Keys that become ApiEvent properties; other scalar keys are kept in `fields`. */
const MAPPED_KEYS = new Set([
  'start_time',
  'method',
  'path',
  'authority',
  'scheme',
  'response_code',
  'bytes_received',
  'bytes_sent',
  'duration',
  'downstream_remote_address',
  'x_forwarded_for',
  'user_agent',
  'request_id',
  'upstream_cluster',
  'route_name',
  'request_headers',
  'response_headers',
]);

export function envoyToEvent(entry: unknown): Mapped {
  if (!isRecord(entry)) return 'envoy: expected a JSON object';
  const startTime = optString(entry.start_time);
  if (startTime === undefined) return 'envoy: start_time missing';
  const method = optString(entry.method);
  if (method === undefined) return 'envoy: method missing';
  const target = optString(entry.path);
  if (target === undefined) return 'envoy: path missing';
  // TCP proxy logs have no response code ("-" / null): they are not HTTP exchanges.
  if (isUnset(entry.response_code)) return 'envoy: response_code missing';
  const remote = optString(entry.downstream_remote_address);
  if (remote === undefined) return 'envoy: downstream_remote_address missing';

  const problems: Problems = [];
  const time = toIsoZ(startTime);
  if (time === undefined) problems.push(`start_time is not a date: "${startTime.slice(0, 40)}"`);

  const requestHeaders: Record<string, string> = {};
  const responseHeaders: Record<string, string> = {};
  const userAgent = optString(entry.user_agent);
  if (userAgent !== undefined) requestHeaders['user-agent'] = userAgent;
  const forwardedFor = optString(entry.x_forwarded_for);
  if (forwardedFor !== undefined) requestHeaders['x-forwarded-for'] = forwardedFor;
  copyHeaders(entry.request_headers, requestHeaders, true);
  copyHeaders(entry.response_headers, responseHeaders, true);

  let fields: Record<string, string> | undefined;
  for (const key in entry) {
    if (MAPPED_KEYS.has(key)) continue;
    const value = optString(entry[key]);
    if (value !== undefined) (fields ??= {})[key] = value;
  }

  const { path, query } = splitTarget(target);
  const event: ApiEventInput = {
    // NOTE: '' only stands in when a problem was recorded; such an event is never returned.
    time: time ?? '',
    method,
    scheme: asScheme(entry.scheme),
    host: optString(entry.authority),
    path,
    query,
    status: optInt(entry.response_code, 'response_code', problems) ?? 0,
    requestHeaders,
    responseHeaders,
    requestBytes: optInt(entry.bytes_received, 'bytes_received', problems),
    responseBytes: optInt(entry.bytes_sent, 'bytes_sent', problems),
    latencyMs: optNumber(entry.duration, 'duration', problems),
    // %DOWNSTREAM_REMOTE_ADDRESS% (Istio's default) carries a port; the _WITHOUT_PORT variant does not.
    clientIp: stripPort(remote),
    service: optString(entry.upstream_cluster),
    gatewayRoute: optString(entry.route_name),
    requestId: optString(entry.request_id),
    fields,
  };
  if (problems.length > 0) return `envoy: ${problems.join('; ')}`;
  return event;
}
