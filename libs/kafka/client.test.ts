import { describe, expect, it } from 'vitest';
import { kafkaOptions, type KafkaClientConfig } from './client.js';

const base: KafkaClientConfig = { brokers: ['kafka-1:9092', 'kafka-2:9092'], clientId: 'vigil', ssl: false, sslRejectUnauthorized: true, saslMechanism: 'none' };

describe('kafkaOptions', () => {
  it('maps brokers and client id, plaintext without SASL by default', () => {
    const o = kafkaOptions(base);
    expect(o.brokers).toEqual(['kafka-1:9092', 'kafka-2:9092']);
    expect(o.clientId).toBe('vigil');
    expect(o.ssl).toBe(false);
    expect(o.sasl).toBeUndefined();
  });

  it('uses the CA file for TLS, which turns TLS on by itself', () => {
    const o = kafkaOptions({ ...base, sslCaFile: '/run/secrets/ca.pem' }, (p) => `PEM from ${p}`);
    expect(o.ssl).toEqual({ ca: ['PEM from /run/secrets/ca.pem'], rejectUnauthorized: true });
  });

  it('names the variable when the CA file cannot be read', () => {
    expect(() =>
      kafkaOptions({ ...base, sslCaFile: '/nope.pem' }, () => {
        throw new Error('ENOENT');
      }),
    ).toThrow('KAFKA_SSL_CA_FILE: cannot read /nope.pem');
  });

  it.each(['plain', 'scram-sha-256', 'scram-sha-512'] as const)('passes SASL %s credentials through', (mechanism) => {
    const o = kafkaOptions({ ...base, ssl: true, saslMechanism: mechanism, saslUsername: 'vigil', saslPassword: 's3cret' });
    expect(o.sasl).toEqual({ mechanism, username: 'vigil', password: 's3cret' });
    expect(o.ssl).toBe(true);
  });

  it('refuses SASL without credentials, and no brokers at all', () => {
    expect(() => kafkaOptions({ ...base, saslMechanism: 'plain' })).toThrow('KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are needed for KAFKA_SASL_MECHANISM=plain');
    expect(() => kafkaOptions({ ...base, brokers: [] })).toThrow('KAFKA_BROKERS: at least one broker host:port is needed');
  });
});
