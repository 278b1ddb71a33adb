/**
 * Deterministic Kong http-log traffic for benchmarks, demos and end-to-end fixtures. The records
 * have the shape Kong's http-log/file-log plugins write (request, response, latencies, route,
 * service, consumer, client_ip, started_at), about 1.5 KB each.
 */

/** mulberry32: a tiny seeded PRNG, so generated traffic is identical on every run. */
export function createRandom(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join('');
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T,
    hex,
    /** A version-4-shaped UUID. */
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`,
  };
}
export type Random = ReturnType<typeof createRandom>;

const b64url = (s: string) => Buffer.from(s).toString('base64url');

/** An unsigned-looking JWT (the gateway verified the real one; Vigil only decodes claims). */
export function jwt(claims: Record<string, unknown>, rnd: Random): string {
  return `${b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'k1' }))}.${b64url(JSON.stringify(claims))}.${b64url(rnd.hex(64))}`;
}

export interface KongRequest {
  at: number;
  method: string;
  /** Path plus optional query, e.g. /fhir/Observation?patient=123 */
  uri: string;
  status: number;
  clientIp: string;
  headers?: Record<string, string>;
  responseHeaders?: Record<string, string>;
  consumer?: { id: string; username: string };
  responseBytes?: number;
}

export function kongRecord(r: KongRequest, rnd: Random): Record<string, unknown> {
  const qs = r.uri.split('?')[1] ?? '';
  const querystring: Record<string, string> = {};
  for (const part of qs.split('&').filter(Boolean)) {
    const [k, v = ''] = part.split('=') as [string, string?];
    querystring[decodeURIComponent(k)] = decodeURIComponent(v);
  }
  const proxy = rnd.int(4, 60);
  const kong = rnd.int(0, 3);
  return {
    request: {
      method: r.method,
      uri: r.uri,
      url: `https://api.example-hospital.org:8443${r.uri}`,
      size: rnd.int(250, 900),
      querystring,
      headers: {
        host: 'api.example-hospital.org',
        accept: 'application/fhir+json',
        'accept-encoding': 'gzip, deflate, br',
        'user-agent': 'EHR-Web/5.4.1 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36',
        'x-request-id': `${rnd.hex(8)}-${rnd.hex(4)}-${rnd.hex(4)}-${rnd.hex(4)}-${rnd.hex(12)}`,
        'x-forwarded-for': r.clientIp,
        'x-forwarded-proto': 'https',
        ...r.headers,
      },
    },
    upstream_uri: r.uri,
    response: {
      status: r.status,
      size: r.responseBytes ?? rnd.int(600, 9000),
      headers: {
        'content-type': 'application/fhir+json;charset=utf-8',
        connection: 'close',
        'x-kong-upstream-latency': String(proxy),
        'x-kong-proxy-latency': String(kong),
        via: '1.1 kong/3.9.1',
        ...r.responseHeaders,
      },
    },
    tries: [{ balancer_latency: 0, port: 8080, balancer_start: r.at, ip: '10.20.0.15' }],
    client_ip: r.clientIp,
    started_at: r.at,
    latencies: { request: proxy + kong, kong, proxy },
    route: {
      id: 'f4b1c1a2-6d0e-4c56-9f0a-1b2c3d4e5f60',
      name: 'fhir-r4',
      paths: ['/fhir', '/api'],
      protocols: ['https'],
    },
    service: {
      id: '0c9e2a41-2f7b-4d7e-8b1a-9e8d7c6b5a40',
      name: 'fhir-api',
      host: 'fhir.internal',
      port: 8080,
      protocol: 'http',
    },
    ...(r.consumer ? { consumer: r.consumer } : {}),
    workspace: '0b3c9a3e-4f1e-4b7b-9d6a-2c1e5f7a8b90',
    source: 'upstream',
  };
}

/** The request line, split as nginx's $uri / $args and Envoy's path see it. */
function splitUri(uri: string): { path: string; args: string } {
  const q = uri.indexOf('?');
  return q < 0 ? { path: uri, args: '' } : { path: uri.slice(0, q), args: uri.slice(q + 1) };
}

function requestId(rnd: Random): string {
  return `${rnd.hex(8)}-${rnd.hex(4)}-${rnd.hex(4)}-${rnd.hex(4)}-${rnd.hex(12)}`;
}

/**
 * The same request as an nginx JSON access log line written with
 * fixtures/nginx/vigil-log-format.conf: the keys of that log_format, unset variables as "".
 * NOTE: msec is the request's `at` (nginx really writes completion time); keeping it equal makes
 * generated event times match the times a generator recorded (e.g. simulator labels).
 */
export function nginxRecord(r: KongRequest, rnd: Random): Record<string, unknown> {
  const { path, args } = splitUri(r.uri);
  const h = r.headers ?? {};
  const body = r.responseBytes ?? rnd.int(600, 9000);
  const upstreamMs = rnd.int(4, 60);
  return {
    msec: r.at / 1000,
    time_iso8601: `${new Date(Math.floor(r.at / 1000) * 1000).toISOString().slice(0, 19)}+00:00`,
    request_method: r.method,
    scheme: 'https',
    host: 'api.example-hospital.org',
    request_uri: r.uri,
    uri: path,
    args,
    server_protocol: 'HTTP/1.1',
    status: r.status,
    request_length: rnd.int(250, 900),
    bytes_sent: body + rnd.int(160, 320),
    body_bytes_sent: body,
    request_time: (upstreamMs + rnd.int(0, 3)) / 1000,
    upstream_response_time: (upstreamMs / 1000).toFixed(3),
    upstream_addr: '10.20.0.15:8080',
    remote_addr: r.clientIp,
    remote_user: '',
    request_id: rnd.hex(32),
    http_x_request_id: h['x-request-id'] ?? requestId(rnd),
    http_x_forwarded_for: '',
    http_authorization: h.authorization ?? '',
    http_x_api_key: h['x-api-key'] ?? '',
    http_user_agent: h['user-agent'] ?? 'EHR-Web/5.4.1 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36',
    http_referer: '',
    http_content_type: h['content-type'] ?? '',
    sent_http_location: r.responseHeaders?.location ?? '',
    sent_http_content_type: r.responseHeaders?.['content-type'] ?? 'application/fhir+json;charset=utf-8',
  };
}

/**
 * The same request as an Envoy JSON access log line written with
 * fixtures/envoy/vigil-access-log.yaml (Istio's keys; unset values null, as json_format renders them).
 */
export function envoyRecord(r: KongRequest, rnd: Random): Record<string, unknown> {
  const h = r.headers ?? {};
  const upstreamMs = rnd.int(4, 60);
  return {
    start_time: new Date(r.at).toISOString(),
    method: r.method,
    path: r.uri,
    authority: 'api.example-hospital.org',
    scheme: 'https',
    protocol: 'HTTP/2',
    response_code: r.status,
    response_flags: '-',
    bytes_received: r.method === 'GET' ? 0 : rnd.int(200, 2000),
    bytes_sent: r.responseBytes ?? rnd.int(600, 9000),
    duration: upstreamMs + rnd.int(0, 3),
    upstream_service_time: String(upstreamMs),
    downstream_remote_address: r.clientIp,
    x_forwarded_for: r.clientIp,
    user_agent: h['user-agent'] ?? 'EHR-Web/5.4.1 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36',
    request_id: h['x-request-id'] ?? requestId(rnd),
    upstream_cluster: 'fhir_backend',
    upstream_host: '10.20.0.15:8080',
    route_name: 'fhir',
    request_headers: {
      authorization: h.authorization ?? null,
      'x-api-key': h['x-api-key'] ?? null,
      'content-type': h['content-type'] ?? null,
    },
    response_headers: {
      location: r.responseHeaders?.location ?? null,
      'content-type': r.responseHeaders?.['content-type'] ?? 'application/fhir+json;charset=utf-8',
    },
  };
}
