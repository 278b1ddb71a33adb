import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

/**
 * Paths pino censors wherever they appear in a log record. Components log structured fields with
 * snake_case event names and never whole requests or config objects; this list is the safety net.
 */
export const REDACT_PATHS = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'headers.cookie',
  '*.headers.cookie',
  'cookie',
  '*.cookie',
  'apikey',
  '*.apikey',
  'api_key',
  '*.api_key',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'tokenizationKey',
  '*.tokenizationKey',
  'key',
  '*.key',
  // Config secrets, also when a whole config object (or its kafkajs options) is nested one level
  // deeper, e.g. { config: { kafka: { saslPassword } } }: never done on purpose, redacted anyway.
  'saslPassword',
  '*.saslPassword',
  '*.*.saslPassword',
  '*.*.password',
  '*.*.tokenizationKey',
  'previousTokenizationKeys',
  '*.previousTokenizationKeys',
  '*.*.previousTokenizationKeys',
];

export function createLogger(opts: { level: string; name?: string }, destination?: DestinationStream): Logger {
  return pino(
    {
      level: opts.level,
      name: opts.name ?? 'vigil',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { service: opts.name ?? 'vigil' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? pino.destination({ dest: 2, sync: false }),
  );
}
