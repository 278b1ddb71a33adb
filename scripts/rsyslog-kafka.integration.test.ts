// The log mirror recipe of docs/ingest/rsyslog-kafka.md, run for real: a private nginx writes
// vigil_json access lines, a private rsyslogd (fixtures/rsyslog/vigil-omkafka.conf: imfile ->
// omkafka) ships them to Kafka, and kafkajs reads back exactly the lines nginx wrote, which parse
// as nginx events. Needs /usr/sbin/nginx, /usr/sbin/rsyslogd and rsyslog-kafka (.ci/run installs
// them); without them every test fails with the reason, none is skipped.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ApiEvent } from '../libs/contracts/index.js';
import { parseLine } from '../libs/adapters/index.js';
import { startPrivateNginx, type PrivateNginx } from '../libs/adapters/test-support/nginx.js';
import { createTestKafka, testKafkaBrokers, type ReceivedMessage } from '../services/test-support/kafka.js';

const RSYSLOGD = '/usr/sbin/rsyslogd';
const fixture = (relative: string): string => fileURLToPath(new URL(`../fixtures/${relative}`, import.meta.url));
const SHIPPED_TOPIC = 'topic="vigil.mirror.raw"';
// Longer than rsyslog's default 8 KiB message size: the recipe must ship it whole.
const LONG_AGENT = `vigil-it/1.0 ${'x'.repeat(9000)}`;

const kafka = createTestKafka({ clientId: 'vigil-rsyslog-it' });
let dir = '';
let nginx: PrivateNginx | undefined;
let rsyslogd: ChildProcess | undefined;
let rsyslogOutput = '';
let fileLines: string[] = [];
let received: ReceivedMessage[] = [];
let setupError: unknown;

async function need(path: string, install: string): Promise<void> {
  await access(path, constants.R_OK).catch((cause: unknown) => {
    throw new Error(`${path} is missing (apt-get install ${install}; .ci/run installs it): this test needs the real thing`, { cause });
  });
}

/** rsyslogd with the shipped recipe, only the topic renamed so this run reads its own messages. */
async function startRsyslogd(topic: string): Promise<void> {
  const recipe = await readFile(fixture('rsyslog/vigil-omkafka.conf'), 'utf8');
  expect(recipe.split(SHIPPED_TOPIC).length - 1).toBe(1);
  await writeFile(join(dir, 'vigil-omkafka.conf'), recipe.replace(SHIPPED_TOPIC, `topic="${topic}"`));
  await mkdir(join(dir, 'spool'));
  // What rsyslog.conf provides on a real host: the work directory, then the recipe.
  await writeFile(join(dir, 'rsyslog.conf'), `global(workDirectory="${dir}/spool")\ninclude(file="${dir}/vigil-omkafka.conf")\n`);
  const proc = spawn(RSYSLOGD, ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'rsyslogd.pid')], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      VIGIL_NGINX_ACCESS_LOG: join(dir, 'access.json.log'),
      VIGIL_KAFKA_BROKERS: testKafkaBrokers().join(','),
      VIGIL_RSYSLOG_SPOOL: join(dir, 'spool'),
    },
  });
  rsyslogd = proc;
  const collect = (chunk: Buffer): void => void (rsyslogOutput += chunk.toString());
  proc.stdout?.on('data', collect);
  proc.stderr?.on('data', collect);
  // rsyslogd exits at once on a bad config or a missing module; afterwards it only logs.
  await sleep(500);
  if (proc.exitCode !== null) throw new Error(`rsyslogd exited at start (${proc.exitCode}): ${rsyslogOutput}`);
}

async function stop(proc: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill(signal);
  await Promise.race([exited, sleep(10_000).then(() => proc.kill('SIGKILL'))]);
}

async function setup(): Promise<void> {
  await need(RSYSLOGD, 'rsyslog');
  // NOTE: rsyslogd only logs a module it cannot load and keeps running, so check up front.
  const modules = ['x86_64-linux-gnu/', 'aarch64-linux-gnu/', ''].map((arch) => `/usr/lib/${arch}rsyslog/omkafka.so`);
  const found = await Promise.all(modules.map((m) => access(m).then(() => true, () => false)));
  if (!found.includes(true)) await need(modules[0] ?? '', 'rsyslog-kafka');
  dir = await mkdtemp(join(tmpdir(), 'vigil-rsyslog-'));
  // One partition, so Kafka's offsets show the order rsyslog shipped the lines in.
  const topic = await kafka.createTopic('rsyslog-mirror', 1);
  nginx = await startPrivateNginx(
    dir,
    (port) => `  large_client_header_buffers 4 32k;
  server {
    listen 127.0.0.1:${port};
    access_log ${dir}/access.json.log vigil_json;
    location = /fhir/Patient { return 201 '{"resourceType":"Patient","id":"456"}'; }
    location = /fhir/Patient/999 { return 404 '{"resourceType":"OperationOutcome"}'; }
    location /fhir/ { return 200 '{"resourceType":"Bundle"}'; }
    location / { return 403 '{"error":"forbidden"}'; }
  }`,
  );
  const { send } = nginx;
  await startRsyslogd(topic);
  const statuses = [
    await send('/fhir/Patient/123', { headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.e30.', 'user-agent': 'Evil "quoted" agent \\ backslash' } }),
    await send('/fhir/Observation?patient=123&name=M%C3%BCller&note="a\'b"', { headers: { 'x-api-key': 'sk_test_rsyslog' } }),
    await send('/fhir/Patient', { method: 'POST', body: '{"resourceType":"Patient"}', headers: { 'content-type': 'application/fhir+json' } }),
    await send('/fhir/Patient/999'),
    await send('/admin/users', { method: 'DELETE', headers: { 'user-agent': LONG_AGENT } }),
  ];
  expect(statuses).toEqual([200, 200, 201, 404, 403]);
  // The start-up probe (GET /up) is a line too: 6 in all.
  fileLines = await nginx.logLines('access.json.log', 6);
  received = await kafka.consume(topic, 6, 30_000).catch((e: unknown) => {
    throw new Error(`${String(e)}\nrsyslogd said: ${rsyslogOutput}`, { cause: e });
  });
}

function ready(): void {
  if (setupError !== undefined) throw setupError instanceof Error ? setupError : new Error('setup failed', { cause: setupError });
}

function event(line: string | null | undefined): ApiEvent {
  const outcome = parseLine(line ?? '', 'nginx');
  if (outcome.kind !== 'ok') throw new Error(`expected an nginx event, got ${JSON.stringify(outcome)}`);
  return outcome.events[0] as ApiEvent;
}

beforeAll(async () => {
  await setup().catch((e: unknown) => {
    setupError = e;
  });
}, 120_000);

afterAll(async () => {
  // rsyslogd first: it must not see nginx's log vanish under it.
  await stop(rsyslogd, 'SIGTERM');
  await nginx?.stop();
  await kafka.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('nginx -> rsyslog imfile -> omkafka -> Kafka (fixtures/rsyslog/vigil-omkafka.conf)', () => {
  test('every access log line arrives once, in order, byte for byte, without key or headers', () => {
    ready();
    expect(fileLines).toHaveLength(6);
    expect(received).toEqual(fileLines.map((value, i) => ({ partition: 0, offset: String(i), key: null, value, headers: {} })));
  });

  test('a line longer than rsyslog default 8 KiB message size arrives whole', () => {
    ready();
    const long = received[5]?.value ?? '';
    expect(long.length).toBeGreaterThan(9000);
    expect(event(long).requestHeaders['user-agent']).toBe(LONG_AGENT);
  });

  test('the shipped lines parse as nginx events with the exact requests nginx served', () => {
    ready();
    const events = received.slice(1).map((m) => event(m.value));
    expect(events.map((e) => [e.method, e.path, e.query, e.status, e.responseBytes])).toEqual([
      ['GET', '/fhir/Patient/123', undefined, 200, 25],
      ['GET', '/fhir/Observation', 'patient=123&name=M%C3%BCller&note=%22a%27b%22', 200, 25],
      ['POST', '/fhir/Patient', undefined, 201, 37],
      ['GET', '/fhir/Patient/999', undefined, 404, 35],
      ['DELETE', '/admin/users', undefined, 403, 21],
    ]);
    expect(events[0]?.requestHeaders).toMatchObject({
      authorization: 'Bearer eyJhbGciOiJub25lIn0.e30.',
      'user-agent': 'Evil "quoted" agent \\ backslash',
    });
    expect(events[1]?.requestHeaders['x-api-key']).toBe('sk_test_rsyslog');
    expect(events.every((e) => e.clientIp === '127.0.0.1' && e.host === '127.0.0.1')).toBe(true);
  });
});
