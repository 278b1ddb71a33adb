import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssignerProtocol } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../libs/contracts/index.js';
import { committedTotal } from '../../libs/kafka/index.js';
import { createLogger } from '../../libs/log/index.js';
import { testClickHouseUrl, testDatabase } from '../../libs/store/test-support/engine.js';
import { openStore } from '../core.js';
import { createTopics, kafkaTestConfig, kafkaTestEnv, onePerTopic, produce, TEST_BROKERS, testKafka, testTopics, unique, waitFor } from './test-support/kafka.js';
import { startVigilProcess, type VigilProcess } from '../test-support/privacy/vigil-process.js';
import { byPrincipal, EXPECTED_MALLORY, EXPECTED_PROBE, FIXTURE_BAD_LINES, FIXTURE_EVENTS, FIXTURE_LINES } from './test-support/scenario.js';

/**
 * The deployment past one machine, as separate `vigil start` processes (the compiled CLI) that
 * share nothing but Kafka and one ClickHouse server (CLICKHOUSE_URL): an ingest process, two
 * detect processes in one group over vigil.events (4 partitions), and an API process. The
 * second detect process joins half-way, so partitions and their principals' baselines move
 * between processes through the server. The CLI, run beside them, works on the same server.
 */
const bin = join(import.meta.dirname, '..', '..', 'bin', 'vigil.js');
const kafka = testKafka();
const topics = testTopics('split');
const group = unique('split');
const database = testDatabase('split');
const roles = ['ingest', 'detect1', 'detect2', 'api'] as const;
type Role = (typeof roles)[number];
/** The processes without an API; `api` is started with startVigilProcess. */
type Worker = Exclude<Role, 'api'>;
const dirs = Object.fromEntries(roles.map((r) => [r, mkdtempSync(join(tmpdir(), `vigil-split-${r}-`))])) as Record<Role, string>;
const procs: Partial<Record<Worker, ChildProcess>> = {};
const exits: Partial<Record<Role, number | null>> = {};
// Before 08:30: normal work and the partner key's probing; after: mallory's walk.
const split = FIXTURE_LINES.findIndex((l) => Number(/"started_at":(\d+)/.exec(l)?.[1]) >= Date.UTC(2026, 10, 2, 8, 30));
const firstHalf = split - FIXTURE_BAD_LINES.filter((i) => i < split).length;
const env = (dataDir: string) => ({
  ...process.env,
  ...kafkaTestEnv({
    dataDir,
    topics,
    group,
    // Snapshots only at handoffs and stops, so what moves is what the handoff saved.
    env: { CLICKHOUSE_URL: testClickHouseUrl(), CLICKHOUSE_DATABASE: database, VIGIL_SNAPSHOT_INTERVAL_SECONDS: '0' },
  }),
});

function start(role: Worker, vigilRoles: string): ChildProcess {
  const p = spawn(process.execPath, [bin, 'start', '--kafka-brokers', TEST_BROKERS.join(','), '--roles', vigilRoles, '--port', '0'], {
    env: env(dirs[role]),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  procs[role] = p;
  return p;
}

function stop(role: Role): Promise<void> {
  if (role === 'api') return api ? api.stop().then((code) => void (exits.api = code)) : Promise.resolve();
  const p = procs[role];
  if (!p || p.exitCode !== null) return Promise.resolve();
  const done = new Promise<void>((r) => p.once('exit', (code) => r(void (exits[role] = code))));
  p.kill('SIGTERM');
  return done;
}

/** The partitions of vigil.events each live member of the detect group holds. */
async function detectAssignments(): Promise<number[][]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([`${group}.detect`]);
    const members = groups[0]?.members ?? [];
    return members
      .map((m) => [...(AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[topics.events] ?? [])].sort((a, b) => a - b))
      .sort((a, b) => (a[0] ?? -1) - (b[0] ?? -1));
  } finally {
    await admin.disconnect();
  }
}

const detectCommitted = () => committedTotal(kafka, `${group}.detect`, topics.events);
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { env: env(mkdtempSync(join(tmpdir(), 'vigil-split-cli-'))), encoding: 'utf8', timeout: 60_000 });
let cliKey = '';
let api: VigilProcess | undefined;
let alertsFromApi: Alert[] = [];
let assignedWhileBoth: number[][] = [];

beforeAll(async () => {
  await createTopics(kafka, onePerTopic(topics, 1, 4));
  start('ingest', 'ingest');
  // A detect-only process serves no API; it is up once it holds the partitions.
  start('detect1', 'detect');
  await waitFor('detect1 holds every partition', async () => JSON.stringify(await detectAssignments()) === '[[0,1,2,3]]');
  api = await startVigilProcess(['--kafka-brokers', TEST_BROKERS.join(','), '--roles', 'api'], env(dirs.api));
  await produce(kafka, topics.raw, FIXTURE_LINES.slice(0, split));
  await waitFor('detect1 committed the first half', async () => (await detectCommitted()) === firstHalf, 120_000);
  start('detect2', 'detect');
  await waitFor('both detect processes hold partitions', async () => {
    const a = await detectAssignments();
    return a.length === 2 && a.every((p) => p.length > 0);
  });
  assignedWhileBoth = await detectAssignments();
  await produce(kafka, topics.raw, FIXTURE_LINES.slice(split));
  await waitFor('the detect group committed every event', async () => (await detectCommitted()) === FIXTURE_EVENTS, 120_000);
  // In server mode the CLI writes to the server itself (no run files), so its key opens any API process.
  const created = cli('keys', 'create', '--role', 'viewer');
  expect([created.status, created.stderr]).toEqual([0, '']);
  cliKey = created.stdout.trim().split('\n').pop() as string;
  const res = await fetch(`${api.url}/v1/alerts`, { headers: { authorization: `Bearer ${cliKey}` } });
  alertsFromApi = ((await res.json()) as { alerts: Alert[] }).alerts;
}, 300_000);

afterAll(async () => {
  await Promise.all(roles.map(stop));
  for (const p of Object.values(procs)) if (p.exitCode === null) p.kill('SIGKILL');
  for (const d of Object.values(dirs)) rmSync(d, { recursive: true, force: true });
});

describe('ingest, two detect and an API process sharing one ClickHouse server', () => {
  it('split the four partitions of vigil.events between the detect processes', () => {
    expect(assignedWhileBoth.flat().sort()).toEqual([0, 1, 2, 3]);
  });

  it("serve the scenario's two alerts, exactly, from the API process that detected nothing", () => {
    expect(alertsFromApi.map((a) => a.principal).sort()).toEqual([EXPECTED_MALLORY.principal, EXPECTED_PROBE.principal].sort());
    expect(byPrincipal(alertsFromApi, EXPECTED_MALLORY.principal)).toMatchObject(EXPECTED_MALLORY);
    expect(byPrincipal(alertsFromApi, EXPECTED_PROBE.principal)).toMatchObject(EXPECTED_PROBE);
  });

  it('store every event once, and the dead letters of the ingest process', async () => {
    const store = await openStore(
      kafkaTestConfig({ dataDir: dirs.api, topics, group, env: { CLICKHOUSE_URL: testClickHouseUrl(), CLICKHOUSE_DATABASE: database } }),
      createLogger({ level: 'silent' }),
    );
    try {
      expect(await store.countEvents()).toBe(FIXTURE_EVENTS);
      expect(await store.deadLetterCount()).toBe(2);
      // The first detect process saved a handoff marker for each partition it gave up.
      // When the second detect process joined, the first saved its principals' baselines and a
      // handoff marker per partition at the offsets it had committed: the whole first half.
      const markers = await store.loadBaselinePositions([0, 1, 2, 3]);
      expect([...markers.keys()].sort()).toEqual([0, 1, 2, 3]);
      expect([...markers.values()].reduce((a, b) => a + b, 0n)).toBe(BigInt(firstHalf));
    } finally {
      await store.close();
    }
  });

  it('let the CLI work on the same server while they run: its alerts are the ones the API process serves', () => {
    const alerts = cli('alerts', '--json');
    expect([alerts.status, alerts.stderr]).toEqual([0, '']);
    expect((JSON.parse(alerts.stdout) as Alert[]).map((a) => [a.principal, a.count]).sort()).toEqual(
      [[EXPECTED_MALLORY.principal, EXPECTED_MALLORY.count], [EXPECTED_PROBE.principal, EXPECTED_PROBE.count]].sort(),
    );
    expect(cliKey).toMatch(/^vgl_/);
  });

  it('stop with exit code 0 on SIGTERM', async () => {
    await Promise.all(roles.map(stop));
    expect(exits).toEqual({ ingest: 0, detect1: 0, detect2: 0, api: 0 });
  });
});
