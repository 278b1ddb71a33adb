import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Alert } from '../../libs/contracts/index.js';

// End-to-end tests that replay a gateway's traffic through the real `vigil` binary: Kong or nginx
// lines built from what the test varies, written in time order, replayed, and the alerts read back
// with `vigil alerts --json`, as a user would.

/** What every generated log line says about one request. */
export interface RequestSpec {
  /** Event time, ms (Kong's `started_at`, nginx's `$msec`). */
  t: number;
  method: string;
  /** Path and query, as the client sent it. */
  uri: string;
  ip: string;
  status: number;
  host: string;
}

export interface KongLineSpec extends RequestSpec {
  /** Request headers besides `host`. */
  headers: Record<string, string>;
  /** Kong route and service names. */
  route: string;
  service: string;
  /** Response headers besides `content-type` (a 201's `location`, say). */
  responseHeaders?: Record<string, string>;
}

/** One Kong http-log record as a JSON line; the rest is what Kong's plugin writes for an ordinary JSON API call. */
export function kongLine(s: KongLineSpec): string {
  return JSON.stringify({
    request: { method: s.method, uri: s.uri, url: `https://${s.host}${s.uri}`, size: 420, querystring: {}, headers: { host: s.host, ...s.headers } },
    response: { status: s.status, size: 2300, headers: { 'content-type': 'application/json', ...s.responseHeaders } },
    route: { name: s.route },
    service: { name: s.service },
    latencies: { request: 31, kong: 1, proxy: 30 },
    client_ip: s.ip,
    started_at: s.t,
  });
}

export interface NginxLineSpec extends RequestSpec {
  /** Response body bytes. */
  bytes: number;
  authorization?: string;
  apiKey?: string;
  userAgent: string;
  /** The Location header of the response (a 201's). */
  location?: string;
}

/**
 * One line of nginx's access log in the project's `vigil_json` format
 * (`fixtures/nginx/vigil-log-format.conf`), as nginx writes it: every variable present, empty
 * ones as "", numbers unquoted.
 */
export function nginxJsonLine(s: NginxLineSpec): string {
  const q = s.uri.indexOf('?');
  const iso = new Date(s.t).toISOString().replace(/\.\d{3}Z$/, '+00:00');
  return JSON.stringify({
    msec: s.t / 1000,
    time_iso8601: iso,
    request_method: s.method,
    scheme: 'https',
    host: s.host,
    request_uri: s.uri,
    uri: q < 0 ? s.uri : s.uri.slice(0, q),
    args: q < 0 ? '' : s.uri.slice(q + 1),
    server_protocol: 'HTTP/1.1',
    status: s.status,
    request_length: 410,
    bytes_sent: s.bytes + 310,
    body_bytes_sent: s.bytes,
    request_time: 0.021,
    upstream_response_time: '0.020',
    upstream_addr: '10.1.1.5:8080',
    remote_addr: s.ip,
    remote_user: '',
    request_id: (s.t % 1e9).toString(16).padStart(32, '0'),
    http_x_request_id: '',
    http_x_forwarded_for: '',
    http_authorization: s.authorization ?? '',
    http_x_api_key: s.apiKey ?? '',
    http_user_agent: s.userAgent,
    http_referer: '',
    http_content_type: s.method === 'GET' ? '' : 'application/json',
    sent_http_location: s.location ?? '',
    sent_http_content_type: 'application/json',
  });
}

export interface TimedLine {
  t: number;
  line: string;
}

interface ReplayOutcome {
  replay: { code: number | null; stderr: string };
  list: { code: number | null; stderr: string };
  alerts: Alert[];
  /** `vigil alerts --json` as printed. */
  alertsJson: string;
}

const bin = join(import.meta.dirname, '..', '..', 'bin', 'vigil.js');

/** Writes `lines` in time order to `dir/name`, runs `vigil replay --format <format>` on it, then `vigil alerts --json`. */
function replayThroughVigil(env: NodeJS.ProcessEnv, dir: string, name: string, lines: readonly TimedLine[], format: 'kong' | 'nginx' = 'kong'): ReplayOutcome {
  const file = join(dir, name);
  writeFileSync(file, `${[...lines].sort((a, b) => a.t - b.t).map((l) => l.line).join('\n')}\n`);
  const vigil = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', timeout: 120_000 });
  const replay = vigil('replay', '--format', format, file);
  const list = vigil('alerts', '--json');
  const alertsJson = list.status === 0 ? list.stdout : '[]';
  return {
    replay: { code: replay.status, stderr: replay.stderr },
    list: { code: list.status, stderr: list.stderr },
    alerts: JSON.parse(alertsJson) as Alert[],
    alertsJson,
  };
}

/** What a suite's replay produced; filled in before its tests run. */
export interface ReplayedTraffic {
  alerts: Alert[];
  /** `vigil alerts --json` as printed. */
  alertsJson: string;
}

/**
 * Registers a suite's replay: before its tests, `lines` go through `vigil replay` into a fresh data
 * directory under a fixed tokenization key (removed after the suite), and the alerts are read back.
 * Either command failing fails the suite.
 */
export function replayBeforeAll(name: string, opts: { key: string; lines: readonly TimedLine[]; format?: 'kong' | 'nginx' }): ReplayedTraffic {
  const out: ReplayedTraffic = { alerts: [], alertsJson: '[]' };
  const dir = mkdtempSync(join(tmpdir(), `vigil-${name}-`));
  beforeAll(() => {
    const env = { ...process.env, VIGIL_TOKENIZATION_KEY: opts.key, VIGIL_DATA_DIR: join(dir, 'data'), VIGIL_LOG_LEVEL: 'warn' };
    const r = replayThroughVigil(env, dir, `${name}.log`, opts.lines, opts.format);
    expect(r.replay).toEqual({ code: 0, stderr: '' });
    expect(r.list.code).toBe(0);
    out.alerts = r.alerts;
    out.alertsJson = r.alertsJson;
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return out;
}
