// Kong's log serializer output (http-log, file-log, tcp-log, udp-log and syslog all send it):
// https://developer.konghq.com/plugins/http-log/ ("Log format"). One JSON object per request; the
// http-log plugin posts a JSON array when it batches (max_batch_size > 1).
import type { ApiEventInput } from '../contracts/index.js';
import { firstBody } from './body.js';
import { isoFromMs } from './iso-time.js';
import type { Mapped } from './outcome.js';
import {
  headerMap,
  headerValue,
  isRecord,
  isUnset,
  optInt,
  optNumber,
  optString,
  splitTarget,
  splitUrl,
  type Problems,
} from './values.js';

export function kongToEvent(entry: unknown): Mapped {
  if (!isRecord(entry)) return 'kong: expected a JSON object';
  const { request, response } = entry;
  if (!isRecord(request)) return request === undefined ? 'kong: request missing' : 'kong: request is not an object';
  if (!isRecord(response)) return response === undefined ? 'kong: response missing' : 'kong: response is not an object';

  const method = optString(request.method);
  if (method === undefined) return 'kong: request.method missing';
  if (isUnset(response.status)) return 'kong: response.status missing';
  if (isUnset(entry.started_at)) return 'kong: started_at missing';
  const clientIp = optString(entry.client_ip);
  if (clientIp === undefined) return 'kong: client_ip missing';
  const problems: Problems = [];
  const status = optInt(response.status, 'response.status', problems);
  const startedAt = optNumber(entry.started_at, 'started_at', problems);
  const time = startedAt === undefined ? undefined : isoFromMs(startedAt);
  if (startedAt !== undefined && time === undefined) problems.push(`started_at is out of range: ${startedAt}`);

  // request.uri is nginx's $request_uri: the path and query exactly as the client sent them.
  // request.url is scheme://host:port + the same; it only fills what the uri lacks.
  const url = typeof request.url === 'string' ? splitUrl(request.url) : undefined;
  const uri = typeof request.uri === 'string' && request.uri !== '' ? request.uri : url?.target;
  if (uri === undefined) return 'kong: request.uri missing';
  const target = splitTarget(uri);
  const query = target.query ?? (url ? splitTarget(url.target).query : undefined) ?? rebuildQuery(request.querystring);

  // NOTE: may be the entry's own header objects (headerMap): the entry is not used after this.
  const requestHeaders = headerMap(request.headers);
  const responseHeaders = headerMap(response.headers);

  const latencies = isRecord(entry.latencies) ? entry.latencies : undefined;
  const event: ApiEventInput = {
    // NOTE: '' and 0 only stand in when a problem was recorded; such an event is never returned.
    time: time ?? '',
    method,
    scheme: url?.scheme,
    host: requestHeaders.host ?? url?.authority,
    path: target.path,
    query,
    status: status ?? 0,
    requestHeaders,
    responseHeaders,
    requestBytes: optInt(request.size, 'request.size', problems),
    responseBytes: optInt(response.size, 'response.size', problems),
    latencyMs: latencies ? optNumber(latencies.request, 'latencies.request', problems) : undefined,
    clientIp,
    consumer: consumerOf(entry.consumer),
    authenticatedEntity: authenticatedEntityOf(entry.authenticated_entity),
    service: isRecord(entry.service) ? optString(entry.service.name) : undefined,
    gatewayRoute: isRecord(entry.route) ? optString(entry.route.name) : undefined,
    // Kong >= 3.5 logs its request id as request.id; older versions only in headers.
    requestId:
      optString(request.id) ??
      requestHeaders['x-kong-request-id'] ??
      requestHeaders['x-request-id'] ??
      responseHeaders['x-kong-request-id'],
    fields: fieldsOf(entry),
    // Kong logs no bodies by default; custom_fields_by_lua adds them as request.body /
    // response.body (docs/phi.md), some setups as top-level request_body / response_body.
    requestBody: firstBody(request.body, entry.request_body),
    responseBody: firstBody(response.body, entry.response_body),
  };
  if (problems.length > 0) return `kong: ${problems.join('; ')}`;
  return event;
}

function consumerOf(v: unknown): ApiEventInput['consumer'] {
  if (!isRecord(v)) return undefined;
  const id = optString(v.id);
  const username = optString(v.username);
  const customId = optString(v.custom_id);
  if (id === undefined && username === undefined && customId === undefined) return undefined;
  return { id, username, customId };
}

function authenticatedEntityOf(v: unknown): ApiEventInput['authenticatedEntity'] {
  if (!isRecord(v)) return undefined;
  const id = optString(v.id);
  // Kong 1.x-2.x serialized the credential's foreign key as { id }, older versions as a string.
  const consumerId = isRecord(v.consumer_id) ? optString(v.consumer_id.id) : optString(v.consumer_id);
  if (id === undefined && consumerId === undefined) return undefined;
  return { id, consumerId };
}

/** Kong context worth keeping for investigations; identity configuration may also read these. */
function fieldsOf(entry: Record<string, unknown>): Record<string, string> | undefined {
  const workspace = optString(entry.workspace_name) ?? optString(entry.workspace);
  const upstreamUri = optString(entry.upstream_uri);
  if (workspace === undefined && upstreamUri === undefined) return undefined;
  const fields: Record<string, string> = {};
  if (workspace !== undefined) fields.workspace = workspace;
  if (upstreamUri !== undefined) fields.upstream_uri = upstreamUri;
  return fields;
}

/**
 * Last resort when neither uri nor url carries the query: rebuild it from the querystring table
 * (values: string, true for a bare flag, or a list for repeated keys).
 */
function rebuildQuery(qs: unknown): string | undefined {
  if (!isRecord(qs)) return undefined;
  const parts: string[] = [];
  for (const key in qs) {
    const v = qs[key];
    const k = encodeURIComponent(key);
    if (v === true) parts.push(k);
    else if (Array.isArray(v)) {
      for (const item of v) parts.push(item === true ? k : `${k}=${encodeURIComponent(headerValue(item) ?? '')}`);
    } else {
      const s = headerValue(v);
      if (s !== undefined) parts.push(`${k}=${encodeURIComponent(s)}`);
    }
  }
  return parts.length > 0 ? parts.join('&') : undefined;
}
