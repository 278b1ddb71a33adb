import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { committedTotal, DEAD_LETTER_HEADERS } from '../../libs/kafka/index.js';
import { createLogger } from '../../libs/log/index.js';
import { makeEvent } from '../../libs/store/test-support/fixtures.js';
import { createCore, openStore, type Core } from '../core.js';
import { createKafkaRoles, type KafkaRoles } from './index.js';
import { createTopics, onePerTopic, headerText, kafkaTestConfig, produce, readTopic, testKafka, testTopics, unique, waitFor } from './test-support/kafka.js';
import { FIXTURE_LINES } from './test-support/scenario.js';

/**
 * Poison messages on both consumed topics: each becomes one dead letter (table and topic, with the
 * reason and its source coordinates) and the good messages behind it in the same partition flow on.
 */
const kafka = testKafka();
const topics = testTopics('poison');
const group = unique('poison');
const dataDir = mkdtempSync(join(tmpdir(), 'vigil-kafka-poison-'));
const logger = createLogger({ level: 'silent' });
const running: { roles: KafkaRoles; core: Core }[] = [];

const good = FIXTURE_LINES.slice(0, 20);
const wrongTypes = JSON.stringify({ ...(JSON.parse(good[0] as string) as Record<string, unknown>), started_at: 'yesterday', response: { status: 'two hundred' } });
// A gateway whose clock is two days fast (VIGIL_INGEST_MAX_FUTURE_SECONDS, default 300).
const futureAt = Date.now() + 2 * 86_400_000;
const future = JSON.stringify({ ...(JSON.parse(good[1] as string) as Record<string, unknown>), started_at: futureAt });
const rawPoison: (string | null)[] = ['{"request":{"method":"GET"', wrongTypes, `${'x'.repeat(5000)}`, null, future];
const validEvent = makeEvent(1, { eventId: 'kafka-poison-ok' });
const eventPoison = ['not json at all', JSON.stringify({ ...validEvent, ts: 'noon', principal: 7 })];

beforeAll(async () => {
  await createTopics(kafka, onePerTopic(topics));
  const store = await openStore(kafkaTestConfig({ dataDir, topics, group }), logger);
  // All roles over the raw topic, plus a detect-only instance over the events topic.
  for (const roles of ['ingest,detect', 'detect']) {
    const config = kafkaTestConfig({ dataDir, topics, group, roles, env: { KAFKA_MAX_MESSAGE_BYTES: '4096' } });
    const r = createKafkaRoles(config, { logger });
    const core = await createCore(config, { logger, store, onAlertsWritten: (a) => r.onAlertsWritten(a) });
    await r.start(core);
    running.push({ roles: r, core });
  }
  await produce(kafka, topics.raw, [...rawPoison, ...good]);
  await produce(kafka, topics.events, [...eventPoison, JSON.stringify(validEvent)]);
  await waitFor('raw topic committed', async () => (await committedTotal(kafka, `${group}.ingest`, topics.raw)) === rawPoison.length + good.length);
  await waitFor('events topic committed', async () => (await committedTotal(kafka, `${group}.detect`, topics.events)) === eventPoison.length + 1);
});

afterAll(async () => {
  for (const { roles } of running.reverse()) await roles.stop();
  await running[0]?.core.store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('poison messages', () => {
  it('do not stall their partition: every good message behind them is stored', async () => {
    const store = running[0]?.core.store;
    expect(await store?.countEvents()).toBe(good.length + 1);
    expect(await store?.deadLetterCount()).toBe(rawPoison.length + eventPoison.length);
  });

  it('land in the dead-letter topic with the reason and source topic, partition and offset', async () => {
    const dead = await readTopic(kafka, topics.deadLetter, rawPoison.length + eventPoison.length);
    const rows = dead.map((m) => ({
      topic: headerText(m.headers, DEAD_LETTER_HEADERS.topic),
      partition: headerText(m.headers, DEAD_LETTER_HEADERS.partition),
      offset: headerText(m.headers, DEAD_LETTER_HEADERS.offset),
      reason: headerText(m.headers, DEAD_LETTER_HEADERS.reason) ?? '',
      value: m.value?.toString('utf8') ?? '',
    }));
    const raw = rows.filter((r) => r.topic === topics.raw).sort((a, b) => Number(a.offset) - Number(b.offset));
    const events = rows.filter((r) => r.topic === topics.events).sort((a, b) => Number(a.offset) - Number(b.offset));
    expect(raw.map((r) => [r.partition, r.offset])).toEqual([['0', '0'], ['0', '1'], ['0', '2'], ['0', '3'], ['0', '4']]);
    expect(raw[0]?.reason).toBe('invalid JSON at position 26: unexpected end of input (truncated line?)');
    expect(raw[1]?.reason).toBe('kong: response.status is not a number: "two hundred"; started_at is not a number: "yesterday"');
    expect(raw[2]?.reason).toBe('oversized: 5000 bytes > 4096');
    expect(raw[3]?.reason).toBe('empty message (null value)');
    expect(raw[4]?.reason).toMatch(
      new RegExp(`^event time ${new Date(futureAt).toISOString()} is 17[0-9]{4} s ahead of this machine's clock \\(more than VIGIL_INGEST_MAX_FUTURE_SECONDS=300\\): the gateway's clock or time zone is wrong$`),
    );
    // The line itself (redacted like every dead letter), although a Kafka event carries no text past the worker.
    expect(raw[4]?.value).toContain(`"started_at":${futureAt}`);
    expect(events.map((r) => [r.partition, r.offset])).toEqual([['0', '0'], ['0', '1']]);
    expect(events[0]?.reason).toBe('invalid JSON: Unexpected token \'o\', "not json at all" is not valid JSON');
    expect(events[1]?.reason).toBe('not a NormalizedEvent: ts: Invalid input: expected number, received string; principal: Invalid input: expected object, received number');
  });
});
