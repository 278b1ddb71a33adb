import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Schedule } from '../libs/baseline/index.js';
import { loadConfig } from '../libs/config/index.js';
import type { Finding, NormalizedEvent } from '../libs/contracts/index.js';
import { createLogger } from '../libs/log/index.js';
import { createDetectorRuntime } from '../detectors/framework.js';
import { event, principal } from '../detectors/test-support/events.js';
import { createCore, type Core } from './core.js';
import { createDetectors } from './registry.js';

/**
 * Periodic baseline snapshots bound what a crash loses. A core learns, snapshots on its interval
 * (the timer is injected: the test fires it), and is then abandoned as kill -9 would leave it: no
 * final snapshot (close({ saveBaselines: false }) only releases chDB's lock on the data dir so a
 * second core can open it in this process). The second core restores exactly what the interval
 * snapshots saved, and a detection that needs the learned baseline fires as it would have.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'vigil-snapshots-'));
const logger = createLogger({ level: 'silent' });
const config = loadConfig({ env: { VIGIL_DATA_DIR: dataDir, VIGIL_TOKENIZATION_KEY: 'b2'.repeat(32), VIGIL_SNAPSHOT_INTERVAL_SECONDS: '120' } });
const T0 = Date.UTC(2026, 10, 2, 8, 0, 0);
const MIN = 60_000;
const ROUTE = '/fhir/Observation';

/** `perMinute` requests in each of `minutes` minutes, spread over 50 s (as the rate detector's tests). */
function steady(id: string, app: string, start: number, minutes: number, perMinute: number): NormalizedEvent[] {
  const out: NormalizedEvent[] = [];
  for (let m = 0; m < minutes; m++) {
    for (let i = 0; i < perMinute; i++) out.push(event({ ts: start + m * MIN + Math.floor((i * 50_000) / perMinute), route: ROUTE, principal: principal(id, app, ['user/*.read']) }));
  }
  return out;
}
const burst = Array.from({ length: 100 }, (_, i) => event({ ts: T0 + 122 * MIN + i * 500, route: ROUTE, principal: principal('user:alice', 'app:portal', ['user/*.read']) }));
const rateFindings = (f: Finding[]) => f.filter((x) => x.detector === 'rate');

function manualTimer(): { schedule: Schedule; fire(): void; intervalMs: number | undefined } {
  const t = { fire: () => undefined as void, intervalMs: undefined as number | undefined, schedule: undefined as unknown as Schedule };
  t.schedule = (fn, ms) => {
    t.fire = fn;
    t.intervalMs = ms;
    return () => undefined;
  };
  return t;
}

let first: Core;
let second: Core;
const timer = manualTimer();
const saved: number[] = [];
let metricRows = '';

beforeAll(async () => {
  first = await createCore(config, { logger, snapshotSchedule: timer.schedule });
  // Alice learns two hours of steady reads; the interval fires: everything changed so far is saved.
  for (const e of steady('user:alice', 'app:portal', T0, 120, 5)) first.detectors.detect(e);
  timer.fire();
  await first.snapshots.whenIdle();
  saved.push((await first.store.loadBaselines()).length);
  // Only bob is active in the next interval: the snapshot is incremental.
  for (const e of steady('user:bob', 'app:billing', T0, 10, 3)) first.detectors.detect(e);
  timer.fire();
  await first.snapshots.whenIdle();
  saved.push((await first.store.loadBaselines()).length);
  metricRows = (await first.registry.getSingleMetricAsString('vigil_baseline_snapshot_rows'));
  // Carol arrives after the last interval: a crash now loses her.
  for (const e of steady('user:carol', 'app:lab', T0, 5, 2)) first.detectors.detect(e);
  await first.close({ saveBaselines: false });
  second = await createCore(config, { logger });
}, 120_000);

afterAll(async () => {
  await second.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('periodic baseline snapshots', () => {
  it('run on the configured wall-clock interval', () => {
    expect(timer.intervalMs).toBe(120_000);
  });

  it('save every learned row, then only the principals changed since (plus cohort rows)', () => {
    // Alice (reads without object ids) has a principal row in each of rate, scraping,
    // data-exfiltration, token-misuse and flow-abuse (5), and her cohort a row in rate, scraping,
    // data-exfiltration, token-misuse and bfla (5); population rows: flow-abuse 4, credential-
    // stuffing 4 (8). 18 in all; bob and his cohort add 5 + 5 more.
    expect(saved).toEqual([18, 28]);
    // The second snapshot wrote bob's 5 principal rows and all 18 cohort rows, not alice's 5 again.
    expect(metricRows).toContain('vigil_baseline_snapshot_rows 23');
  });

  it('restore after a crash exactly what the last interval saved, and nothing after it', () => {
    expect(second.baselinesRestored).toBe(28);
    const keys = new Set(second.detectors.snapshot(Date.now()).filter((r) => r.scope === 'principal').map((r) => r.key));
    expect([...keys].sort()).toEqual(['user:alice', 'user:bob']);
  });

  it('detect against the restored baseline as against the learned one', () => {
    const found = rateFindings(burst.flatMap((e) => second.detectors.detect(e)));
    expect(found).toHaveLength(1);
    expect(found[0]?.evidence).toMatchObject({ pattern: 'rate_spike', baseline: 'principal', baselineScope: 'route', baselineMean: 5, baselineWindows: 120, threshold: 30, observedPerWindow: 31 });
    // Without the snapshot, the same burst meets a principal and cohort still learning: no alert.
    const fresh = createDetectorRuntime(createDetectors(config));
    expect(rateFindings(burst.flatMap((e) => fresh.detect(e)))).toEqual([]);
  });
});
