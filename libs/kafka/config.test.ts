import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';

describe('the kafka section of the configuration', () => {
  it('is off (no brokers) with every role by default', () => {
    const cfg = loadConfig({ env: {} });
    expect(cfg.kafka.brokers).toEqual([]);
    expect(cfg.roles).toEqual(['ingest', 'detect', 'api', 'notify']);
    expect(cfg.kafka.topics).toEqual({ raw: 'vigil.mirror.raw', events: 'vigil.events', alerts: 'vigil.alerts', deadLetter: 'vigil.deadletter' });
  });

  it('reads brokers as written, roles and topics from the environment', () => {
    const cfg = loadConfig({ env: { KAFKA_BROKERS: 'Kafka-1:9092, kafka-2:9092', VIGIL_ROLES: 'ingest,API', KAFKA_TOPIC_RAW: 'Mirror.Raw', KAFKA_SASL_MECHANISM: 'scram-sha-512' } });
    expect(cfg.kafka.brokers).toEqual(['Kafka-1:9092', 'kafka-2:9092']);
    expect(cfg.roles).toEqual(['ingest', 'api']);
    expect(cfg.kafka.topics.raw).toBe('Mirror.Raw');
    expect(cfg.kafka.saslMechanism).toBe('scram-sha-512');
  });

  it('reads the SASL password from a file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'vigil-kafka-cfg-')), 'pw');
    writeFileSync(file, 's3cret\n');
    expect(loadConfig({ env: { KAFKA_SASL_PASSWORD_FILE: file } }).kafka.saslPassword).toBe('s3cret');
  });

  it('names the variable of a bad role', () => {
    expect(() => loadConfig({ env: { VIGIL_ROLES: 'ingest,scan' } })).toThrow(/^invalid configuration: VIGIL_ROLES/);
  });
});
