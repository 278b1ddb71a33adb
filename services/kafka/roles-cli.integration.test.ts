import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../libs/contracts/index.js';
import { committedTotal } from '../../libs/kafka/index.js';
import { createLogger } from '../../libs/log/index.js';
import { openStore } from '../core.js';
import { createTopics, onePerTopic, kafkaTestConfig, produce, TEST_BROKERS, testKafka, testTopics, unique, waitFor } from './test-support/kafka.js';
import { byPrincipal, EXPECTED_MALLORY, EXPECTED_PROBE, FIXTURE_EVENTS, FIXTURE_LINES } from './test-support/scenario.js';

/**
 * The two stages as two `vigil start` processes (the compiled CLI): `--roles ingest` and
 * `--roles detect,api`, each with its own embedded store. The alerts come out of the detect
 * process's API; each exits 0 on SIGTERM.
 */
const bin = join(import.meta.dirname, '..', '..', 'bin', 'vigil.js');
const kafka = testKafka();
const topics = testTopics('roles');
const group = unique('roles');
const dirs = { ingest: mkdtempSync(join(tmpdir(), 'vigil-kafka-ingest-')), detect: mkdtempSync(join(tmpdir(), 'vigil-kafka-detect-')) };
const procs: Record<string, ChildProcess> = {};
const exits: Record<string, number | null> = {};
let url = '';
let alerts: Alert[] = [];

function start(role: 'ingest' | 'detect', args: string[]): ChildProcess {
  const env = {
    ...process.env,
    VIGIL_DATA_DIR: dirs[role],
    VIGIL_TOKENIZATION_KEY: 'a1'.repeat(32),
    VIGIL_LOG_LEVEL: 'warn',
    KAFKA_GROUP_ID: `${group}.ingest`,
    KAFKA_DETECT_GROUP_ID: `${group}.detect`,
    KAFKA_TOPIC_RAW: topics.raw,
    KAFKA_TOPIC_EVENTS: topics.events,
    KAFKA_TOPIC_ALERTS: topics.alerts,
    KAFKA_TOPIC_DEADLETTER: topics.deadLetter,
  };
  return spawn(process.execPath, [bin, 'start', '--kafka-brokers', TEST_BROKERS.join(','), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

function stop(p: ChildProcess): Promise<number | null> {
  const done = new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
  p.kill('SIGTERM');
  return done;
}

beforeAll(async () => {
  await createTopics(kafka, onePerTopic(topics, 1, 3));
  procs.ingest = start('ingest', ['--roles', 'ingest']);
  const detect = start('detect', ['--roles', 'detect,api', '--port', '0']);
  procs.detect = detect;
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    detect.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /Vigil listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    detect.once('exit', (code) => reject(new Error(`vigil start --roles detect,api exited ${code}`)));
  });
  await produce(kafka, topics.raw, FIXTURE_LINES);
  await waitFor('the detect process committed every event', async () => (await committedTotal(kafka, `${group}.detect`, topics.events)) === FIXTURE_EVENTS);
  const key = readFileSync(join(dirs.detect, 'run', 'cli.key'), 'utf8').trim();
  const res = await fetch(`${url}/v1/alerts`, { headers: { authorization: `Bearer ${key}` } });
  alerts = ((await res.json()) as { alerts: Alert[] }).alerts;
  exits.ingest = await stop(procs.ingest);
  exits.detect = await stop(detect);
}, 180_000);

afterAll(() => {
  for (const p of Object.values(procs)) if (p.exitCode === null) p.kill('SIGKILL');
  for (const d of Object.values(dirs)) rmSync(d, { recursive: true, force: true });
});

describe('vigil start --roles ingest and --roles detect,api as two processes', () => {
  it("serve the scenario's two alerts from the detect process's API", () => {
    expect(alerts.map((a) => a.principal).sort()).toEqual([EXPECTED_MALLORY.principal, EXPECTED_PROBE.principal].sort());
    expect(byPrincipal(alerts, EXPECTED_MALLORY.principal)).toMatchObject(EXPECTED_MALLORY);
    expect(byPrincipal(alerts, EXPECTED_PROBE.principal)).toMatchObject(EXPECTED_PROBE);
  });

  it('both stop with exit code 0 on SIGTERM', () => {
    expect(exits).toEqual({ ingest: 0, detect: 0 });
  });

  it('store events where detection runs and dead letters where parsing runs', async () => {
    const logger = createLogger({ level: 'silent' });
    const detectStore = await openStore(kafkaTestConfig({ dataDir: dirs.detect, topics, group }), logger);
    expect(await detectStore.countEvents()).toBe(FIXTURE_EVENTS);
    expect(await detectStore.deadLetterCount()).toBe(0);
    await detectStore.close();
    const ingestStore = await openStore(kafkaTestConfig({ dataDir: dirs.ingest, topics, group }), logger);
    expect(await ingestStore.countEvents()).toBe(0);
    expect(await ingestStore.deadLetterCount()).toBe(2);
    await ingestStore.close();
  });
});
