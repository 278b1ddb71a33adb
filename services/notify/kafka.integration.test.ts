import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotifyConfigSchema, type Config } from '../../libs/contracts/index.js';
import { committedTotal, DEAD_LETTER_HEADERS } from '../../libs/kafka/index.js';
import { makeAlert, removeDataDir, silentLogger, tempDataDir } from '../../libs/store/test-support/fixtures.js';
import { createCore, type Core } from '../core.js';
import { createKafkaRoles, type KafkaRoles } from '../kafka/index.js';
import { createTopics, headerText, kafkaTestConfig, onePerTopic, produce, readTopic, testKafka, testTopics, unique } from '../kafka/test-support/kafka.js';
import { createNotifier, type Notifier } from './index.js';
import { startReceiver, waitFor, type Receiver } from './test-support/receiver.js';

// Kafka split mode: a process with only the notify role consumes vigil.alerts (as the detect role
// produces it) in its own group, fills the outbox, and commits only what the outbox holds.
const SECRET = 'whsec_kafka_notify_0123456789';
const kafka = testKafka();
const topics = testTopics('notify');
const group = unique('notify');
let dataDir: string;
let rx: Receiver;
let core: Core;
let notifier: Notifier;
let roles: KafkaRoles;

const now = Date.now();
const a1 = makeAlert('alr_k1', { version: 1, count: 1, updatedAt: new Date(now).toISOString() });
const a2 = makeAlert('alr_k1', { version: 2, count: 2, updatedAt: new Date(now + 1).toISOString() });
const b1 = makeAlert('alr_k2', { version: 1, updatedAt: new Date(now + 2).toISOString() });

beforeAll(async () => {
  dataDir = await tempDataDir('notify-kafka');
  rx = await startReceiver(SECRET);
  await createTopics(kafka, onePerTopic(topics));
  const base = kafkaTestConfig({ dataDir, topics, group, roles: 'notify' });
  const config: Config = {
    ...base,
    notify: NotifyConfigSchema.parse({
      kafkaGroupId: `${group}.notify`,
      pollIntervalMs: 20,
      destinations: [{ id: 'soc', name: 'SOC', type: 'webhook', url: rx.url, secret: SECRET, allowPrivateNetwork: true }],
    }),
  };
  core = await createCore(config, { logger: silentLogger });
  notifier = createNotifier(config.notify, { store: core.store, logger: silentLogger, registry: core.registry, version: '0.0.0-test', env: {} });
  await notifier.start();
  roles = createKafkaRoles(config, { logger: silentLogger });
  await roles.start(core);
  await roles.startNotify(notifier.outbox);
});

afterAll(async () => {
  await roles.stop();
  await notifier.stop();
  await core.close();
  await rx.close();
  await removeDataDir(dataDir);
});

describe('notify role on vigil.alerts', () => {
  it('enqueues significant alert versions from the topic, dead-letters garbage, and commits after the outbox write', async () => {
    await produce(kafka, topics.alerts, [JSON.stringify(a1)], () => a1.id);
    await waitFor('1 offset committed', async () => (await committedTotal(kafka, `${group}.notify`, topics.alerts)) === 1, 60_000);
    // Versions of one alert in one batch collapse to the newest; sent apart, a2 is judged against a1.
    await produce(kafka, topics.alerts, [JSON.stringify(a2), '{"not":"an alert"}', JSON.stringify(b1)], (i) => (i === 2 ? b1.id : a1.id));
    await waitFor('4 offsets committed', async () => (await committedTotal(kafka, `${group}.notify`, topics.alerts)) === 4, 60_000);
    // Committed means stored: the outbox already holds the rows (a2 only bumped the count: not sent).
    expect((await core.store.listDeliveries({ limit: 10 })).map((d) => d.idempotencyKey).sort()).toEqual(['alr_k1:1', 'alr_k2:1']);
    await waitFor('2 deliveries', async () => (await core.store.listDeliveries({ status: 'delivered', limit: 10 })).length === 2);
    expect(rx.accepted().sort()).toEqual(['alr_k1:1', 'alr_k2:1']);
    const [dead] = await readTopic(kafka, topics.deadLetter, 1);
    expect(headerText(dead?.headers, DEAD_LETTER_HEADERS.format)).toBe('vigil-alert');
    expect(headerText(dead?.headers, DEAD_LETTER_HEADERS.offset)).toBe('2');
    expect(headerText(dead?.headers, DEAD_LETTER_HEADERS.reason)).toContain('not an Alert');
  });
});
