import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { loadConfig } from '../libs/config/index.js';
import type { Alert } from '../libs/contracts/index.js';
import { committedTotal, ensureTopics } from '../libs/kafka/index.js';
import { createLogger } from '../libs/log/index.js';
import { createCore } from '../services/core.js';
import { createKafkaRoles } from '../services/kafka/index.js';
import { hospitalScenario } from './scenario.js';
import { createRandom, jwt, kongRecord } from './traffic.js';

/**
 * `npm run bench:kafka`: against a real broker (KAFKA_BROKERS, else scripts/kafka.sh up on
 * 127.0.0.1:9092), produce >= 1,000,000 Kong http-log lines, then measure in one run
 *   (a) a bare kafkajs consumer that only JSON-parses each value,
 *   (b) Vigil (all roles, one process, embedded chDB, or the server CLICKHOUSE_URL names):
 *       consume -> parse -> normalize -> detect -> stored and committed,
 *   (c) p50/p99 event-to-alert latency at a paced 10,000 events/s: from sending the line that
 *       completes a sequential walk to its alert arriving on vigil.alerts.
 * Prints figures; asserts nothing. BENCH_EVENTS, BENCH_PARTITIONS, BENCH_LATENCY_RATE tune the run.
 */
const TARGET = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 6);
// BENCH_LATENCY_RATE (a multiple of 100) measures (c) at another load, e.g. one Vigil sustains.
const LATENCY_RATE = Number(process.env.BENCH_LATENCY_RATE ?? 10_000);
const LATENCY_SECONDS = 30;

// A lease keeps a broker that test runs share up until this run releases it (see scripts/kafka.sh).
const kafkaSh = join(import.meta.dirname, '..', '..', 'scripts', 'kafka.sh');
const lease = process.env.KAFKA_BROKERS || process.env.BENCH_PACER ? undefined : String(process.pid);
if (lease) execFileSync('bash', [kafkaSh, 'up', '--lease', lease], { stdio: 'inherit' });
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const kafka = new Kafka({ clientId: 'vigil-bench', brokers, logLevel: logLevel.NOTHING });
const run = process.env.BENCH_PACER ?? `vigil-bench.${Date.now().toString(36)}`;
const topics = { raw: `${run}.raw`, events: `${run}.events`, alerts: `${run}.alerts`, deadLetter: `${run}.deadletter` };

const cpu = cpus();
console.log(`machine: ${cpu[0]?.model ?? 'unknown'}, ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}; broker ${brokers.join(',')}`);
// Other work on the machine (and the broker, on the same machine) slows every figure: print the load.
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');

/** Keyed by client IP, as a gateway mirror would: one client's lines stay in order in one partition. */
const keyOf = (line: string) => /"client_ip":"([^"]+)"/.exec(line)?.[1] ?? null;

// The paced producer and the alert watcher run in a child process (BENCH_PACER=<run>), so Vigil's
// batches, which hold this process's event loop, delay neither the load nor the stopwatch.
if (process.env.BENCH_PACER) {
  const lat = await measureLatency(process.env.BENCH_PACER);
  process.stdout.write(`${JSON.stringify(lat)}\n`);
  process.exit(0);
}

/** Hospital mornings on consecutive days until `target` lines. */
function* traffic(target: number): Generator<string> {
  let n = 0;
  for (let day = 0; n < target; day++) {
    for (const line of hospitalScenario({ seed: 100 + day, start: Date.UTC(2026, 10, 2 + day, 8), minutes: 45, clinicians: 3400, attacks: day === 0 })) {
      if (n++ >= target) return;
      yield line;
    }
  }
}

async function produceAll(topic: string, lines: Iterable<string>): Promise<{ count: number; bytes: number; seconds: number }> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const t0 = performance.now();
  let count = 0;
  let bytes = 0;
  let batch: Message[] = [];
  let batchBytes = 0;
  const inFlight = new Set<Promise<unknown>>();
  const send = async (messages: Message[]) => {
    const p = producer.send({ topic, messages, acks: 1 });
    inFlight.add(p);
    await p.finally(() => inFlight.delete(p));
  };
  for (const line of lines) {
    batch.push({ key: keyOf(line), value: line });
    batchBytes += line.length;
    count++;
    bytes += line.length;
    // Under the broker's 1 MiB record-batch limit even if every line lands in one partition.
    if (batchBytes > 700_000) {
      const b = batch;
      batch = [];
      batchBytes = 0;
      if (inFlight.size >= 4) await Promise.race(inFlight);
      void send(b).catch((e: unknown) => {
        console.error('produce failed', e);
        process.exit(1);
      });
    }
  }
  if (batch.length > 0) await send(batch);
  await Promise.all(inFlight);
  await producer.disconnect();
  return { count, bytes, seconds: (performance.now() - t0) / 1000 };
}

async function bareConsume(topic: string, total: number): Promise<number> {
  const consumer = kafka.consumer({ groupId: `${run}.bare`, maxBytesPerPartition: 8 * 1024 * 1024, maxBytes: 32 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let n = 0;
  let t0 = 0;
  const seconds = await new Promise<number>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachBatch: ({ batch }) => {
        // The clock starts at the first batch, so the group join is not counted.
        if (t0 === 0) t0 = performance.now();
        for (const m of batch.messages) if (m.value) JSON.parse(m.value.toString('utf8'));
        n += batch.messages.length;
        if (n >= total) resolve((performance.now() - t0) / 1000);
        return Promise.resolve();
      },
    });
  });
  await consumer.disconnect();
  return n / seconds;
}

/** The variables of `names` that are set in `env`. */
function pick(env: NodeJS.ProcessEnv, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.flatMap((n) => (env[n] === undefined ? [] : [[n, env[n]]])));
}

const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-kafka-'));
const logger = createLogger({ level: 'warn' });
const config = loadConfig({
  env: {
    VIGIL_DATA_DIR: dataDir,
    VIGIL_TOKENIZATION_KEY: 'b2'.repeat(32),
    VIGIL_LOG_LEVEL: 'warn',
    KAFKA_BROKERS: brokers.join(','),
    KAFKA_GROUP_ID: `${run}.vigil`,
    KAFKA_TOPIC_RAW: topics.raw,
    KAFKA_TOPIC_EVENTS: topics.events,
    KAFKA_TOPIC_ALERTS: topics.alerts,
    KAFKA_TOPIC_DEADLETTER: topics.deadLetter,
    KAFKA_PARTITIONS: String(PARTITIONS),
    // Fetch tuning passes through, so its effect can be measured (README, Kafka, Sizing).
    ...pick(process.env, ['KAFKA_FETCH_MIN_BYTES', 'KAFKA_FETCH_MAX_WAIT_MS', 'KAFKA_PARTITIONS_CONCURRENTLY']),
    // false: parse and normalize on the main thread, to compare with the default worker.
    VIGIL_INGEST_PARSE_WORKER: process.env.VIGIL_INGEST_PARSE_WORKER ?? 'true',
    VIGIL_ROLES: 'ingest,detect',
    // The traffic is stamped on fixed days from 2026-11-02 on (one more per ~200,000 events, and
    // 2026-12-01 for the latency phase), which may be ahead of this machine's clock: no limit.
    VIGIL_INGEST_MAX_FUTURE_SECONDS: '0',
    // CLICKHOUSE_URL (+ _USER, _PASSWORD): store on that server instead of embedded chDB, in a
    // database of this run, so the process's CPU per event shows what storing costs it.
    ...(process.env.CLICKHOUSE_URL
      ? {
          CLICKHOUSE_URL: process.env.CLICKHOUSE_URL,
          CLICKHOUSE_USER: process.env.CLICKHOUSE_USER ?? 'default',
          CLICKHOUSE_PASSWORD: process.env.CLICKHOUSE_PASSWORD ?? '',
          CLICKHOUSE_DATABASE: `bench_${run.replace(/\W/g, '_')}`,
        }
      : {}),
  },
});
const storeName = config.clickhouse.url ? `the ClickHouse server ${config.clickhouse.url}` : 'embedded ClickHouse';

try {
  await ensureTopics(kafka, Object.values(topics).map((topic) => ({ topic, partitions: PARTITIONS })));
  const produced = await produceAll(topics.raw, traffic(TARGET));
  console.log(
    `produced: ${produced.count.toLocaleString('en-US')} Kong lines (${Math.round(produced.bytes / produced.count)} bytes on average) into ${PARTITIONS} partitions, ` +
      `${Math.round(produced.count / produced.seconds).toLocaleString('en-US')} lines/s`,
  );

  const bare = await bareConsume(topics.raw, produced.count);
  console.log(`(a) bare kafkajs consumer, JSON.parse only: ${Math.round(bare).toLocaleString('en-US')} events/s`);

  const roles = createKafkaRoles(config, { logger });
  const core = await createCore(config, { logger, onAlertsWritten: (a) => roles.onAlertsWritten(a) });
  console.log(`    load average before (b): ${load()}`);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await roles.start(core);
  let firstCommitAt = 0;
  for (;;) {
    const done = await committedTotal(kafka, `${run}.vigil`, topics.raw);
    if (done > 0 && firstCommitAt === 0) firstCommitAt = performance.now();
    if (done >= produced.count) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpuUsed = process.cpuUsage(cpu0);
  const e2e = produced.count / seconds;
  const stored = await core.store.countEvents();
  // Which detectors raised them: a change in detection quality shows here before it shows in the rate.
  const byDetector: Record<string, string[]> = {};
  for (const a of (await core.store.listAlerts({ limit: 1000 })).alerts) (byDetector[a.detector] ??= []).push(a.principal);
  console.log(
    `(b) Vigil end to end (consume -> normalize -> detect -> stored in ${storeName} -> committed; parsing ${config.ingest.parseWorker ? 'on a worker thread' : 'on the main thread'}): ${Math.round(e2e).toLocaleString('en-US')} events/s ` +
      `(${stored.toLocaleString('en-US')} events stored, ${core.alerts.stats().active} alerts, ${seconds.toFixed(1)} s including the group join)`,
  );
  console.log(`    alerts stored, principals by detector (simulated names): ${JSON.stringify(byDetector)}`);
  console.log(
    `    process CPU (all threads${config.clickhouse.url ? '; the server is another process' : ", chDB's too"}) per event: ${((cpuUsed.user + cpuUsed.system) / produced.count).toFixed(1)} µs; ` +
      `load average after (b): ${load()}`,
  );
  console.log(`ratio (b)/(a): ${(e2e / bare).toFixed(2)}`);

  // NOTE: async, so this process keeps consuming while the child produces.
  // Vigil's CPU at a steady load, not a backlog: what an instance costs at the rate it runs at.
  const pacedCpu0 = process.cpuUsage();
  const pacedT0 = performance.now();
  const pacer = spawn(process.execPath, [process.argv[1] as string], { env: { ...process.env, BENCH_PACER: run, KAFKA_BROKERS: brokers.join(',') }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  pacer.stdout.on('data', (b: Buffer) => (out += b.toString()));
  await new Promise((r) => pacer.once('exit', r));
  const { latencies, rate } = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { latencies: number[]; rate: number };
  const pacedCpu = process.cpuUsage(pacedCpu0);
  const pacedUs = pacedCpu.user + pacedCpu.system;
  const pacedWallUs = (performance.now() - pacedT0) * 1000;
  console.log(
    `    paced load: ${Math.round(rate).toLocaleString('en-US')} events/s achieved over ${LATENCY_SECONDS} s; ` +
      `Vigil's process CPU meanwhile: ${(pacedUs / (rate * LATENCY_SECONDS)).toFixed(1)} µs per event, ${((100 * pacedUs) / pacedWallUs).toFixed(0)} % of one core`,
  );
  if (e2e < LATENCY_RATE) console.log(`    NOTE: (b) is below ${LATENCY_RATE.toLocaleString('en-US')} events/s, so at this load a backlog grows and (c) measures it`);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  console.log(`(c) event-to-alert latency at ${LATENCY_RATE.toLocaleString('en-US')} events/s: p50 ${pct(50).toFixed(0)} ms, p99 ${pct(99).toFixed(0)} ms (${latencies.length} alerts)`);

  await roles.stop();
  await core.close();
} finally {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
  await admin.disconnect();
  rmSync(dataDir, { recursive: true, force: true });
  if (lease) execFileSync('bash', [kafkaSh, 'release', lease], { stdio: 'inherit' });
}

/**
 * Paced load: every 10 ms, LATENCY_RATE/100 lines of hospital traffic, plus one new attacker
 * every 500 ms walking 10 Patient ids (one per 50 ms). The 10th id completes a sequential walk;
 * latency = its send time -> its alert on vigil.alerts.
 */
async function measureLatency(runId: string): Promise<{ latencies: number[]; rate: number }> {
  const rnd = createRandom(99);
  const background = hospitalScenario({ seed: 77, start: Date.UTC(2026, 11, 1, 8), minutes: 45, clinicians: 5200, attacks: false });
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const alerts = kafka.consumer({ groupId: `${runId}.alerts-watch`, maxWaitTimeInMs: 50 });
  await alerts.connect();
  await alerts.subscribe({ topics: [topics.alerts], fromBeginning: false });
  let joined: () => void = () => undefined;
  const isJoined = new Promise<void>((r) => (joined = r));
  alerts.on(alerts.events.GROUP_JOIN, () => joined());
  await alerts.run({
    eachMessage: ({ message }) => {
      const a = JSON.parse(message.value?.toString('utf8') ?? '{}') as Alert;
      const sent = sentAt.get(a.principal);
      if (sent !== undefined && a.version === 1) latencies.push(performance.now() - sent);
      return Promise.resolve();
    },
  });
  await isJoined;
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const perTick = LATENCY_RATE / 100;
  const ticks = LATENCY_SECONDS * 100;
  // Generated up front, so the pacing loop only sends.
  const tickMessages: Message[][] = [];
  const walkBase = Date.UTC(2026, 11, 1, 9);
  const triggers = new Map<number, string>();
  for (let t = 0; t < ticks; t++) {
    const messages: Message[] = [];
    for (let i = 0; i < perTick; i++) {
      const next = background.next();
      if (next.done !== true) messages.push({ key: keyOf(next.value), value: next.value });
    }
    // Attacker k starts at tick 50k and sends id j at tick 50k + 5j.
    const k = Math.floor(t / 50);
    const j = (t % 50) / 5;
    if (Number.isInteger(j) && j < 10) {
      const sub = `bench-attacker-${k}`;
      const token = jwt({ iss: 'https://idp.example-hospital.org', sub, client_id: 'ehr-web', scope: 'user/*.read', exp: 1893456000 }, rnd);
      const ip = `198.18.${Math.floor(k / 250)}.${(k % 250) + 1}`;
      const line = JSON.stringify(kongRecord({ at: walkBase + k * 60_000 + j * 1000, method: 'GET', uri: `/fhir/Patient/${500_000 + k * 100 + j}`, status: 200, clientIp: ip, headers: { authorization: `Bearer ${token}` } }, rnd));
      messages.push({ key: ip, value: line });
      if (j === 9) triggers.set(t, `user:${sub}`);
    }
    tickMessages.push(messages);
  }
  const start = performance.now();
  for (let t = 0; t < ticks; t++) {
    const messages = tickMessages[t] ?? [];
    const trigger = triggers.get(t);
    const due = start + t * 10;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (trigger) sentAt.set(trigger, performance.now());
    await producer.send({ topic: topics.raw, messages, acks: 1 });
  }
  const rate = (ticks * perTick) / ((performance.now() - start) / 1000);
  const deadline = performance.now() + 300_000;
  while (latencies.length < sentAt.size && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await producer.disconnect();
  await alerts.disconnect();
  return { latencies: latencies.sort((a, b) => a - b), rate };
}
