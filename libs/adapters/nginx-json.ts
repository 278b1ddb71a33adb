// nginx access log lines written with fixtures/nginx/vigil-log-format.conf (log_format ... escape=json).
// Keys are nginx variable names. Mapping rules, so users can extend the log_format without code:
//   http_<name>       -> request header <name> (underscores become dashes)
//   sent_http_<name>  -> response header <name>
//   any other key the event has no place for -> `fields` (e.g. "user_id":"$jwt_claim_sub")
import type { ApiEventInput } from '../contracts/index.js';
import { firstBody } from './body.js';
import { isoFromMs, toIsoZ } from './iso-time.js';
import { parseClfTime } from './nginx-combined.js';
import type { Mapped } from './outcome.js';
import {
  asScheme,
  isRecord,
  isUnset,
  optInt,
  optNumber,
  optString,
  secondsToMs,
  splitTarget,
  type Problems,
} from './values.js';

/** Keys that become ApiEvent properties; everything else non-header goes to `fields`. */
const MAPPED_KEYS = new Set([
  'msec',
  'time_iso8601',
  'time_local',
  'request_method',
  'scheme',
  'host',
  'request_uri',
  'uri',
  'args',
  'status',
  'request_length',
  'bytes_sent',
  'body_bytes_sent',
  'request_time',
  'remote_addr',
  'request_id',
  // Bodies (docs/phi.md): $request_body, and a response body only OpenResty can capture.
  'request_body',
  'response_body',
  'resp_body',
]);

export function nginxJsonToEvent(entry: unknown): Mapped {
  if (!isRecord(entry)) return 'nginx: expected a JSON object';
  if (entry.request_method === '') {
    // nginx logs requests it could not parse (status 400, 408...) with every request variable empty.
    return `nginx: request_method is empty (nginx could not parse the request line; status ${optString(entry.status) ?? 'unknown'})`;
  }
  const method = optString(entry.request_method);
  if (method === undefined) return 'nginx: request_method missing';
  if (isUnset(entry.status)) return 'nginx: status missing';
  const clientIp = optString(entry.remote_addr);
  if (clientIp === undefined) return 'nginx: remote_addr missing';

  const problems: Problems = [];
  const time = timeOf(entry, problems);
  if (time === undefined && problems.length === 0) return 'nginx: msec or time_iso8601 missing';

  // $request_uri is the target exactly as the client sent it (still percent-encoded); $uri is
  // decoded and rewritten by nginx, so it is only the fallback.
  let path: string;
  let query: string | undefined;
  const requestUri = optString(entry.request_uri);
  if (requestUri !== undefined) ({ path, query } = splitTarget(requestUri));
  else {
    const uri = optString(entry.uri);
    if (uri === undefined) return 'nginx: request_uri missing';
    path = uri;
    query = optString(entry.args);
  }

  const requestHeaders: Record<string, string> = {};
  const responseHeaders: Record<string, string> = {};
  let fields: Record<string, string> | undefined;
  for (const key in entry) {
    if (MAPPED_KEYS.has(key)) continue;
    const value = optString(entry[key]);
    if (value === undefined) continue;
    if (key.startsWith('http_')) requestHeaders[headerName(key, 5)] = value;
    else if (key.startsWith('sent_http_')) responseHeaders[headerName(key, 10)] = value;
    else (fields ??= {})[key] = value;
  }

  const requestTime = optNumber(entry.request_time, 'request_time', problems);
  const event: ApiEventInput = {
    // NOTE: '' only stands in when a problem was recorded; such an event is never returned.
    time: time ?? '',
    method,
    scheme: asScheme(entry.scheme),
    host: optString(entry.host),
    path,
    query,
    status: optInt(entry.status, 'status', problems) ?? 0,
    requestHeaders,
    responseHeaders,
    requestBytes: optInt(entry.request_length, 'request_length', problems),
    // Body bytes, like the combined format's field; $bytes_sent (with headers) when that is all there is.
    responseBytes: optInt(isUnset(entry.body_bytes_sent) ? entry.bytes_sent : entry.body_bytes_sent, 'body_bytes_sent', problems),
    latencyMs: requestTime === undefined ? undefined : secondsToMs(requestTime),
    clientIp,
    // A client- or gateway-supplied X-Request-ID correlates across hops; $request_id only inside nginx.
    requestId: requestHeaders['x-request-id'] ?? optString(entry.request_id),
    fields,
    requestBody: firstBody(entry.request_body),
    // NOTE: stock nginx has no variable for the response body; these keys are only filled by an
    // OpenResty body_filter_by_lua that copies it into a variable (docs/phi.md).
    responseBody: firstBody(entry.response_body, entry.resp_body),
  };
  if (problems.length > 0) return `nginx: ${problems.join('; ')}`;
  return event;
}

/** "http_x_api_key" -> "x-api-key" */
function headerName(key: string, prefix: number): string {
  return key.slice(prefix).replaceAll('_', '-').toLowerCase();
}

/**
 * Log time: $msec (epoch seconds with milliseconds) is preferred for its precision, then
 * $time_iso8601, then $time_local. NOTE: nginx writes these when the response is done, not when
 * the request arrived; Vigil keeps nginx's time so events match the operator's own logs.
 */
function timeOf(entry: Record<string, unknown>, problems: Problems): string | undefined {
  if (!isUnset(entry.msec)) {
    const msec = optNumber(entry.msec, 'msec', problems);
    if (msec === undefined) return undefined;
    const iso = isoFromMs(secondsToMs(msec));
    if (iso === undefined) problems.push(`msec is out of range: ${msec}`);
    return iso;
  }
  const text = optString(entry.time_iso8601);
  if (text !== undefined) {
    const iso = toIsoZ(text);
    if (iso === undefined) problems.push(`time_iso8601 is not a date: "${text.slice(0, 40)}"`);
    return iso;
  }
  const local = optString(entry.time_local);
  if (local !== undefined) {
    const iso = parseClfTime(local);
    if (iso === undefined) problems.push(`time_local is not a date: "${local.slice(0, 40)}"`);
    return iso;
  }
  return undefined;
}
