/**
 * One Kong http-log record as a JSON line, for end-to-end tests that replay a gateway's traffic
 * through the `vigil` binary. Only what the tests vary is a parameter; the rest is what Kong's
 * plugin writes for an ordinary JSON API call.
 */
export interface KongLineSpec {
  /** Event time, ms (Kong's `started_at`). */
  t: number;
  method: string;
  uri: string;
  ip: string;
  status: number;
  host: string;
  /** Request headers besides `host`. */
  headers: Record<string, string>;
  /** Kong route and service names. */
  route: string;
  service: string;
}

export function kongLine(s: KongLineSpec): string {
  return JSON.stringify({
    request: { method: s.method, uri: s.uri, url: `https://${s.host}${s.uri}`, size: 420, querystring: {}, headers: { host: s.host, ...s.headers } },
    response: { status: s.status, size: 2300, headers: { 'content-type': 'application/json' } },
    route: { name: s.route },
    service: { name: s.service },
    latencies: { request: 31, kong: 1, proxy: 30 },
    client_ip: s.ip,
    started_at: s.t,
  });
}
