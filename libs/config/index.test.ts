import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './index.js';

describe('loadConfig', () => {
  it('applies defaults when nothing is set', () => {
    const cfg = loadConfig({ env: {} });
    expect(cfg.dataDir).toBe('./vigil-data');
    expect(cfg.port).toBe(8080);
    expect(cfg.retentionDays).toBe(30);
    expect(cfg.clickhouse).toEqual({ user: 'default', password: '', database: 'vigil' });
    expect(cfg.identity.apiKeyHeaders).toEqual(['apikey', 'x-api-key']);
    expect(cfg.detection.enumeration.windowSeconds).toBe(300);
  });

  it('reads environment variables into typed values', () => {
    const cfg = loadConfig({
      env: { VIGIL_PORT: '9001', VIGIL_IDENTITY_USER_HEADERS: 'X-User, X-Other', VIGIL_TRUST_PROXY: 'true' },
    });
    expect(cfg.port).toBe(9001);
    expect(cfg.identity.userHeaders).toEqual(['x-user', 'x-other']);
    expect(cfg.trustProxy).toBe(true);
  });

  it('batches Kafka fetches of the event topics by default, and lets them be tuned', () => {
    expect(loadConfig({ env: {} }).kafka).toMatchObject({ fetchMinBytes: 1_048_576, fetchMaxWaitMs: 500 });
    const tuned = loadConfig({ env: { KAFKA_FETCH_MIN_BYTES: '1', KAFKA_FETCH_MAX_WAIT_MS: '100' } });
    expect(tuned.kafka).toMatchObject({ fetchMinBytes: 1, fetchMaxWaitMs: 100 });
    expect(() => loadConfig({ env: { KAFKA_FETCH_MAX_WAIT_MS: '-1' } })).toThrow(/^invalid configuration: KAFKA_FETCH_MAX_WAIT_MS: /);
    expect(() => loadConfig({ env: { KAFKA_FETCH_MIN_BYTES: '0' } })).toThrow(/^invalid configuration: KAFKA_FETCH_MIN_BYTES: /);
  });

  it('backs the idle delivery worker off to 5 s by default, and lets that be tuned', () => {
    expect(loadConfig({ env: {} }).notify).toMatchObject({ pollIntervalMs: 500, idlePollMaxMs: 5000 });
    expect(loadConfig({ env: { VIGIL_NOTIFY_IDLE_POLL_MS: '500' } }).notify.idlePollMaxMs).toBe(500);
    expect(() => loadConfig({ env: { VIGIL_NOTIFY_IDLE_POLL_MS: '5' } })).toThrow(/^invalid configuration: VIGIL_NOTIFY_IDLE_POLL_MS: /);
  });

  it('handles up to 12 partitions of a fetch at once by default, and lets that be tuned', () => {
    expect(loadConfig({ env: {} }).kafka.partitionsConcurrently).toBe(12);
    expect(loadConfig({ env: { KAFKA_PARTITIONS_CONCURRENTLY: '1' } }).kafka.partitionsConcurrently).toBe(1);
    expect(() => loadConfig({ env: { KAFKA_PARTITIONS_CONCURRENTLY: '0' } })).toThrow(/^invalid configuration: KAFKA_PARTITIONS_CONCURRENTLY: /);
    expect(() => loadConfig({ env: { KAFKA_PARTITIONS_CONCURRENTLY: '65' } })).toThrow(/^invalid configuration: KAFKA_PARTITIONS_CONCURRENTLY: /);
  });

  it('names the environment variable in errors', () => {
    expect(() => loadConfig({ env: { VIGIL_PORT: '70000' } })).toThrow(/^invalid configuration: VIGIL_PORT: /);
    expect(() => loadConfig({ env: { CLICKHOUSE_URL: 'not a url' } })).toThrow(/CLICKHOUSE_URL: /);
  });

  it('layers file < env < flags and names file keys in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-config-'));
    const file = join(dir, 'vigil.json');
    writeFileSync(file, JSON.stringify({ port: 7000, retentionDays: 7, clickhouse: { database: 'audit' } }));
    const cfg = loadConfig({ env: { VIGIL_PORT: '7001' }, file, flags: { dataDir: '/tmp/x' } });
    expect(cfg.port).toBe(7001);
    expect(cfg.retentionDays).toBe(7);
    expect(cfg.clickhouse.database).toBe('audit');
    expect(cfg.dataDir).toBe('/tmp/x');
    writeFileSync(file, JSON.stringify({ retentionDays: 0 }));
    expect(() => loadConfig({ env: {}, file })).toThrow(`config file ${file}: retentionDays:`);
    expect(() => loadConfig({ env: {}, flags: { port: -1 } })).toThrow('--port: ');
  });

  it('reads secrets from *_FILE variables', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-config-'));
    writeFileSync(join(dir, 'pw'), 's3cret\n');
    const cfg = loadConfig({ env: { CLICKHOUSE_PASSWORD_FILE: join(dir, 'pw') } });
    expect(cfg.clickhouse.password).toBe('s3cret');
  });
});
