import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { kafkaOptions } from '../kafka/client.js';
import { createLogger } from './index.js';

/**
 * Every secret can come from a file (`*_FILE`), and none reaches the log even when a component
 * logs a whole config slice, the kafkajs options built from it, or (never done) the whole config.
 */
const dir = mkdtempSync(join(tmpdir(), 'vigil-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SECRETS = {
  CLICKHOUSE_PASSWORD: 'ch-pass-7f3a9c1e',
  KAFKA_SASL_PASSWORD: 'sasl-pass-52bd04e1',
  VIGIL_TOKENIZATION_KEY: 'd4'.repeat(32),
  VIGIL_PREVIOUS_TOKENIZATION_KEYS: 'e5'.repeat(32),
};

function fileEnv(): Record<string, string> {
  const env: Record<string, string> = { KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'vigil', KAFKA_BROKERS: 'kafka:9093', KAFKA_SSL: 'true' };
  for (const [name, value] of Object.entries(SECRETS)) {
    const path = join(dir, name.toLowerCase());
    // Trailing newline, as `echo secret > file` and Kubernetes secrets often have.
    writeFileSync(path, `${value}\n`, { mode: 0o600 });
    env[`${name}_FILE`] = path;
  }
  return env;
}

function capture(): { lines: string[]; log: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { lines, log: createLogger({ level: 'info' }, sink) };
}

describe('secrets from files, never logged', () => {
  const config = loadConfig({ env: fileEnv() });

  it('reads every secret from its *_FILE variable, trimmed', () => {
    expect(config.clickhouse.password).toBe(SECRETS.CLICKHOUSE_PASSWORD);
    expect(config.kafka.saslPassword).toBe(SECRETS.KAFKA_SASL_PASSWORD);
    expect(config.privacy.tokenizationKey).toBe(SECRETS.VIGIL_TOKENIZATION_KEY);
    expect(config.privacy.previousTokenizationKeys).toEqual([SECRETS.VIGIL_PREVIOUS_TOKENIZATION_KEYS]);
  });

  it('names the variable, not the value, when a secret file cannot be read', () => {
    expect(() => loadConfig({ env: { KAFKA_SASL_PASSWORD_FILE: join(dir, 'missing') } })).toThrow(`KAFKA_SASL_PASSWORD_FILE: cannot read ${join(dir, 'missing')}`);
  });

  it('redacts them from config slices, kafkajs options and even a whole config object', () => {
    const { lines, log } = capture();
    log.info({ event: 'config_slice', clickhouse: config.clickhouse, kafka: config.kafka, privacy: config.privacy, api: config.api });
    log.info({ event: 'kafka_options', options: kafkaOptions(config.kafka) });
    log.info({ event: 'whole_config', config });
    log.info(config, 'config_at_top_level');
    log.flush();
    const out = lines.join('');
    expect(lines).toHaveLength(4);
    for (const value of Object.values(SECRETS)) expect(out).not.toContain(value);
    // Still useful: the non-secret fields are there.
    expect(out).toContain('"saslUsername":"vigil"');
    expect(out).toContain('"saslPassword":"[redacted]"');
  });
});
