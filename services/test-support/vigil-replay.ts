import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Alert } from '../../libs/contracts/index.js';

// End-to-end tests that replay a gateway's traffic through the real `vigil` binary: Kong lines
// (kongLine) or any format the tests build, e.g. with scripts/traffic.ts, written in time order, replayed, and the alerts read back
// with `vigil alerts --json`, as a user would.

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
  /** Response headers besides `content-type` (a 201's `location`, say). */
  responseHeaders?: Record<string, string>;
  /** Response body size Kong logs (`response.size`); 2,300 bytes, an ordinary JSON answer, when absent. */
  responseBytes?: number;
}

/** One Kong http-log record as a JSON line; the rest is what Kong's plugin writes for an ordinary JSON API call. */
export function kongLine(s: KongLineSpec): string {
  return JSON.stringify({
    request: { method: s.method, uri: s.uri, url: `https://${s.host}${s.uri}`, size: 420, querystring: {}, headers: { host: s.host, ...s.headers } },
    response: { status: s.status, size: s.responseBytes ?? 2300, headers: { 'content-type': 'application/json', ...s.responseHeaders } },
    route: { name: s.route },
    service: { name: s.service },
    latencies: { request: 31, kong: 1, proxy: 30 },
    client_ip: s.ip,
    started_at: s.t,
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
function replayThroughVigil(env: NodeJS.ProcessEnv, dir: string, name: string, lines: readonly TimedLine[], format: 'kong' | 'nginx' | 'envoy' = 'kong'): ReplayOutcome {
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
export function replayBeforeAll(name: string, opts: { key: string; lines: readonly TimedLine[]; format?: 'kong' | 'nginx' | 'envoy' }): ReplayedTraffic {
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
