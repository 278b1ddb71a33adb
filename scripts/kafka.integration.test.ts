// The development broker (scripts/kafka.sh, started by vitest's global setup) is a real Kafka that
// Vigil's client (kafkajs) and an independent producer (Debian's kcat, librdkafka) both talk to.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { afterAll, describe, expect, test } from 'vitest';
import { createTestKafka, testKafkaBrokers } from '../services/test-support/kafka.js';

const KCAT = '/usr/bin/kcat';
const kafka = createTestKafka({ clientId: 'vigil-kafka-it' });

afterAll(async () => {
  await kafka.stop();
});

describe('development Kafka broker', () => {
  test('a kafkajs producer and consumer round-trip exact keys, values and headers in order', async () => {
    const topic = await kafka.createTopic('roundtrip');
    const producer = kafka.kafka.producer();
    await producer.connect();
    try {
      const sent = await producer.send({
        topic,
        messages: [
          { key: 'k1', value: '{"msec":1795929600.123,"status":200}', headers: { source: 'nginx' } },
          { key: 'k2', value: 'second line with ünïcödé and "quotes"' },
          { key: null, value: '' },
        ],
      });
      expect(sent).toEqual([expect.objectContaining({ topicName: topic, partition: 0, errorCode: 0, baseOffset: '0' })]);
    } finally {
      await producer.disconnect();
    }
    const received = await kafka.consume(topic, 3);
    expect(received).toEqual([
      { partition: 0, offset: '0', key: 'k1', value: '{"msec":1795929600.123,"status":200}', headers: { source: 'nginx' } },
      { partition: 0, offset: '1', key: 'k2', value: 'second line with ünïcödé and "quotes"', headers: {} },
      // An empty value stays an empty value (not a null/tombstone).
      { partition: 0, offset: '2', key: null, value: '', headers: {} },
    ]);
  });

  test('a message produced by kcat (librdkafka) is read by kafkajs with exact value, key and headers', async () => {
    const topic = await kafka.createTopic('kcat');
    const line = '{"request_method":"GET","request_uri":"/fhir/Patient/123?_count=5","status":200,"http_user_agent":"a\\tb ü"}';
    // -K: a tab separates the key from the value; -H: one header each; -X acks=all: kcat exits only
    // after the broker has the message.
    await runWithInput(
      KCAT,
      ['-P', '-b', testKafkaBrokers().join(','), '-t', topic, '-K', '\t', '-H', 'source=rsyslog', '-H', 'host=gw-1', '-X', 'acks=all'],
      `patient-123\t${line}\n`,
    );
    expect(await kafka.consume(topic, 1)).toEqual([
      { partition: 0, offset: '0', key: 'patient-123', value: line, headers: { source: 'rsyslog', host: 'gw-1' } },
    ]);
  });
});

/** Runs a program with `input` on its stdin; rejects with its stderr when it fails. */
async function runWithInput(file: string, args: string[], input: string): Promise<void> {
  await access(file, constants.X_OK).catch((cause: unknown) => {
    throw new Error(`${file} is not installed (apt-get install kcat; .ci/run installs it): this test needs a real kcat`, { cause });
  });
  await new Promise<void>((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${file} exited ${code}: ${stderr}`))));
    child.stdin.end(input);
  });
}
