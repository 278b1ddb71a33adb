import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type KafkaConfig as KafkaJsConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import type { KafkaConfig } from '../contracts/index.js';
import { VigilError } from '../errors/index.js';
import type { Logger } from '../log/index.js';

/** The slice of Vigil's config the client needs. */
export type KafkaClientConfig = Pick<
  KafkaConfig,
  'brokers' | 'clientId' | 'ssl' | 'sslCaFile' | 'sslRejectUnauthorized' | 'saslMechanism' | 'saslUsername' | 'saslPassword'
>;

/**
 * kafkajs options from Vigil's config. Pure (apart from reading the CA file), so the mapping is
 * unit-tested without a broker. NOTE: the result holds the SASL password: never log it.
 */
export function kafkaOptions(cfg: KafkaClientConfig, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): KafkaJsConfig {
  if (cfg.brokers.length === 0) throw new VigilError('config_invalid', 'KAFKA_BROKERS: at least one broker host:port is needed');
  let ssl: KafkaJsConfig['ssl'] = cfg.ssl || cfg.sslCaFile !== undefined;
  if (cfg.sslCaFile !== undefined) {
    let ca: string;
    try {
      ca = readFile(cfg.sslCaFile);
    } catch (cause) {
      throw new VigilError('config_invalid', `KAFKA_SSL_CA_FILE: cannot read ${cfg.sslCaFile}`, { cause });
    }
    ssl = { ca: [ca], rejectUnauthorized: cfg.sslRejectUnauthorized };
  } else if (ssl && !cfg.sslRejectUnauthorized) {
    ssl = { rejectUnauthorized: false };
  }
  let sasl: SASLOptions | undefined;
  if (cfg.saslMechanism !== 'none') {
    if (!cfg.saslUsername || cfg.saslPassword === undefined) {
      throw new VigilError('config_invalid', `KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are needed for KAFKA_SASL_MECHANISM=${cfg.saslMechanism}`);
    }
    const creds = { username: cfg.saslUsername, password: cfg.saslPassword };
    sasl =
      cfg.saslMechanism === 'plain'
        ? { mechanism: 'plain', ...creds }
        : cfg.saslMechanism === 'scram-sha-256'
          ? { mechanism: 'scram-sha-256', ...creds }
          : { mechanism: 'scram-sha-512', ...creds };
  }
  return {
    clientId: cfg.clientId,
    brokers: cfg.brokers,
    ssl,
    ...(sasl ? { sasl } : {}),
    connectionTimeout: 3000,
    requestTimeout: 30_000,
    // NOTE: kafkajs retries broker requests itself; past this it gives up and the loop stops.
    retry: { initialRetryTime: 300, retries: 8 },
  };
}

/**
 * The kafkajs client, logging through pino (component "kafka"). kafkajs log entries carry broker
 * addresses and protocol details, never credentials; they are still passed through pino's redaction.
 */
export function createKafkaClient(cfg: KafkaClientConfig, deps: { logger: Logger }): Kafka {
  const log = deps.logger.child({ component: 'kafka' });
  return new Kafka({
    ...kafkaOptions(cfg),
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      const { message, ...extra } = entry.log;
      const fields = { event: 'kafkajs_log', namespace: entry.namespace, ...pickSafe(extra) };
      if (entry.level === logLevel.ERROR) log.error(fields, message);
      else if (entry.level === logLevel.WARN) log.warn(fields, message);
      else log.debug(fields, message);
    },
  });
}

/** Only plain fields of kafkajs's log extras: no nested request/response objects. */
function pickSafe(extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(extra)) {
    if (k === 'timestamp' || k === 'logger') continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}
