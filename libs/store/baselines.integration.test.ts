import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createProfileMap,
  decodeHll,
  encodeHll,
  hllAdd,
  isEwma,
  newEwma,
  newHll,
  observe,
  type BaselineSnapshot,
  type Ewma,
  type Hll,
  type ProfileCodec,
} from '../baseline/index.js';
import { createStore } from './index.js';
import { removeDataDir, silentLogger, storeConfig, tempDataDir } from './test-support/fixtures.js';
import type { Store } from './types.js';

interface Profile {
  rate: Ewma;
  ips: Hll;
}

const codec: ProfileCodec<Profile> = {
  create: () => ({ rate: newEwma(), ips: newHll(8) }),
  encode: (p) => ({ rate: p.rate, ips: encodeHll(p.ips) }),
  decode: (v) => {
    const o = v as Record<string, unknown>;
    const ips = typeof o.ips === 'string' ? decodeHll(o.ips) : undefined;
    return isEwma(o.rate) && ips ? { rate: o.rate, ips } : undefined;
  },
  bytes: () => 400,
};

const T0 = Date.UTC(2026, 10, 2, 8);
const learning = { minEvents: 10, minSpanMs: 3_600_000 };

let store: Store;
let dataDir: string;

beforeAll(async () => {
  dataDir = await tempDataDir('baselines');
  store = await createStore(storeConfig(dataDir, 'baselines_test'), { logger: silentLogger });
});

afterAll(async () => {
  await store.close();
  await removeDataDir(dataDir);
});

function learned(): ReturnType<typeof createProfileMap<Profile>> {
  const m = createProfileMap({ capacity: 1000, learning, codec });
  for (let i = 0; i < 300; i++) {
    const ts = T0 + i * 37_000;
    const t = m.touch(`user:${i % 7}`, ts);
    observe(t.profile.rate, (i * 13) % 17, ts, { alpha: 0.1, halfLifeMs: 86_400_000 });
    hllAdd(t.profile.ips, `10.0.${i % 5}.1`);
  }
  return m;
}

describe('baselines', () => {
  it('restore from the store profiles equal to the saved ones, learning state included', async () => {
    const saved = learned();
    await store.saveBaselines(saved.snapshot('rate', 'principal', 1));
    const rows = await store.loadBaselines('rate');
    expect(rows).toHaveLength(7);
    const restored = createProfileMap({ capacity: 1000, learning, codec });
    expect(restored.restore('rate', 'principal', rows)).toBe(7);
    for (const t of saved.entries()) {
      const back = restored.get(t.key);
      expect(back).toEqual(t);
      expect(restored.learning(back!)).toBe(saved.learning(t));
    }
  });

  it('keep only the highest version of each detector + scope + key', async () => {
    const row = (version: number, events: number): BaselineSnapshot => ({
      detector: 'scraping',
      scope: 'cohort',
      key: 'app:portal|patient/*.read',
      version,
      firstTs: T0,
      lastTs: T0 + events,
      events,
      state: JSON.stringify({ events }),
    });
    await store.saveBaselines([row(3, 30)]);
    await store.saveBaselines([row(2, 20), row(1, 10)]);
    expect(await store.loadBaselines('scraping')).toEqual([row(3, 30)]);
    const all = await store.loadBaselines();
    expect(all.map((r) => r.detector)).toEqual([...Array<string>(7).fill('rate'), 'scraping']);
  });

  it('load the principal rows of given partitions by their newest row, and the newest handoff marker per partition', async () => {
    const row = (key: string, version: number, partition?: number): BaselineSnapshot => ({
      detector: 'data-exfiltration',
      scope: 'principal',
      key,
      version,
      firstTs: T0,
      lastTs: T0 + version,
      events: version,
      state: '{}',
      ...(partition === undefined ? {} : { partition }),
    });
    await store.saveBaselines([row('user:a', 1, 0), row('user:b', 1, 1), row('user:c', 1), row('user:a', 2, 2)]);
    await store.saveBaselines([{ ...row('app:x', 5), scope: 'cohort' }]);
    // user:a moved to partition 2 in its newest row; user:c has no partition; cohorts never move.
    expect((await store.loadPartitionBaselines([0, 1])).map((r) => [r.key, r.partition])).toEqual([['user:b', 1]]);
    expect(await store.loadPartitionBaselines([2])).toEqual([row('user:a', 2, 2)]);
    expect(await store.loadPartitionBaselines([])).toEqual([]);
    await store.saveBaselinePositions([{ partition: 0, nextOffset: 10n, version: 2 }, { partition: 1, nextOffset: 2n ** 40n, version: 2 }]);
    await store.saveBaselinePositions([{ partition: 0, nextOffset: 5n, version: 1 }]);
    expect(await store.loadBaselinePositions([0, 1, 2])).toEqual(new Map([[0, 10n], [1, 2n ** 40n]]));
  });
});
