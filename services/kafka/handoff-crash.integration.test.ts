import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Schedule } from '../../libs/baseline/index.js';
import type { NormalizedEvent } from '../../libs/contracts/index.js';
import { committedTotal } from '../../libs/kafka/index.js';
import { createLogger } from '../../libs/log/index.js';
import type { Store } from '../../libs/store/types.js';
import { event, principal } from '../../detectors/test-support/events.js';
import { createCore, openStore, type Core } from '../core.js';
import { createConfiguredHandoff, type BaselineHandoff } from './handoff.js';
import { createKafkaRoles, type KafkaRoles } from './index.js';
import { createTopics, kafkaTestConfig, onePerTopic, produce, testKafka, testTopics, unique, waitFor } from './test-support/kafka.js';

/**
 * The previous owner dies without saving. Instance A learns alice's 600 reads, takes a periodic
 * snapshot (its timer is injected and fired by the test), detects 50 more, then crashes: its store
 * starts failing, so its consumer loop stops on that first failure without committing and without
 * running any handoff (as after kill -9, only sooner out of the group). Instance B takes the
 * partitions, finds alice's marker (600) behind the committed offset (650), waits out
 * VIGIL_HANDOFF_WAIT_SECONDS, says so, and loads the periodic snapshot: the 50 events after it are
 * the learning lost, at most one snapshot interval. Store shared as in handoff.integration.test.ts.
 */
const kafka = testKafka();
const topics = testTopics('handoff-crash');
const group = unique('handoff-crash');
const dataDir = mkdtempSync(join(tmpdir(), 'vigil-kafka-handoff-crash-'));
const logger = createLogger({ level: 'silent' });
const config = kafkaTestConfig({ dataDir, topics, group, roles: 'detect', env: { VIGIL_SNAPSHOT_INTERVAL_SECONDS: '300', VIGIL_HANDOFF_WAIT_SECONDS: '2' } });
const T0 = Date.UTC(2026, 10, 2, 8, 0, 0);
const who = principal('user:alice', 'app:portal', ['user/*.read']);
const reads = (fromMinute: number, minutes: number): NormalizedEvent[] => {
  const out: NormalizedEvent[] = [];
  for (let m = fromMinute; m < fromMinute + minutes; m++) for (let i = 0; i < 5; i++) out.push(event({ ts: T0 + m * 60_000 + i * 10_000, route: '/fhir/Observation', principal: who }));
  return out;
};
const send = (events: NormalizedEvent[]) => produce(kafka, topics.events, events.map((e) => JSON.stringify(e)), () => 'user:alice');

let store: Store;
let crashed = false;
let fire: () => void = () => undefined;
let a: { roles: KafkaRoles; core: Core };
let b: { roles: KafkaRoles; core: Core; handoff: BaselineHandoff };
let alicePartition: number | undefined;
let failure: unknown;

/** The shared store as A sees it: after `crashed`, every call fails (not retriable: the loop stops). */
function failing(real: Store): Store {
  return new Proxy(real, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => (crashed ? Promise.reject(new Error('simulated crash')) : (v as (...x: unknown[]) => unknown).apply(target, args));
    },
  });
}

beforeAll(async () => {
  await createTopics(kafka, onePerTopic(topics, 1, 2));
  store = await openStore(config, logger);
  const schedule: Schedule = (fn) => {
    fire = fn;
    return () => undefined;
  };
  {
    const handoff = createConfiguredHandoff(config, logger);
    const roles = createKafkaRoles(config, { logger, handoff, tuning: { sessionTimeoutMs: 10_000 } });
    const core = await createCore(config, { logger, store: failing(store), snapshotSchedule: schedule });
    handoff.attach(core, () => roles.assignment());
    await roles.start(core);
    a = { roles, core };
  }
  await send(reads(0, 120));
  await waitFor('A detected the learning traffic', async () => (await committedTotal(kafka, `${group}.detect`, topics.events)) === 600);
  fire();
  await a.core.snapshots.whenIdle();
  await send(reads(120, 10));
  await waitFor('A detected 50 more', async () => (await committedTotal(kafka, `${group}.detect`, topics.events)) === 650);
  alicePartition = a.core.detectors.changes.partitionOf('user:alice');
  crashed = true;
  await send(reads(130, 1));
  failure = await a.roles.done.then(() => undefined, (e: unknown) => e);

  const handoff = createConfiguredHandoff(config, logger);
  const roles = createKafkaRoles(config, { logger, handoff, tuning: { sessionTimeoutMs: 10_000 } });
  const core = await createCore(config, { logger, store });
  handoff.attach(core, () => roles.assignment());
  await roles.start(core);
  b = { roles, core, handoff };
  await waitFor('B detected what A could not store', async () => (await committedTotal(kafka, `${group}.detect`, topics.events)) === 655);
}, 240_000);

afterAll(async () => {
  await b.roles.stop();
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('baseline handoff after the previous owner crashed', () => {
  it('stops the crashed owner on its first failure, without a handoff save', () => {
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toBe('simulated crash');
  });

  it('waits for the marker, reports the partition as incomplete and loads the last periodic snapshot', async () => {
    expect(await store.loadBaselinePositions([alicePartition ?? -1])).toEqual(new Map([[alicePartition, 600n]]));
    expect(b.handoff.last.loaded).toEqual({ partitions: [0, 1], rows: 5, incomplete: [alicePartition] });
    // B started from the 600 events of the snapshot, then detected the 5 A never stored: the 50 A
    // learned after the snapshot are the learning lost.
    const events = b.core.detectors
      .snapshot(b.core.detectors.nextVersion(Date.now()))
      .filter((r) => r.scope === 'principal')
      .map((r) => [r.detector, r.events]);
    // (token-misuse counts its closed 10-minute windows: the snapshot's 12; flow-abuse keeps no count.)
    expect(events.sort()).toEqual([['data-exfiltration', 605], ['flow-abuse', 0], ['rate', 605], ['scraping', 605], ['token-misuse', 12]]);
  });
});
