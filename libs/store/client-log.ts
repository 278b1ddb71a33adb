import { ClickHouseLogLevel, type ClickHouseClientConfigOptions } from '@clickhouse/client';
import type { Logger } from '../log/index.js';

interface LogParams {
  module: string;
  message: string;
  args?: Record<string, unknown>;
  err?: Error;
}

/**
 * Routes @clickhouse/client's own log lines into pino instead of its console logger.
 * Its errors are logged at debug only: every failed call is thrown (wrapped) to the caller, which
 * logs it once with context; logging it here too would double every failure.
 */
export function clientLogConfig(logger: Logger): NonNullable<ClickHouseClientConfigOptions['log']> {
  const fields = (p: LogParams) => ({ event: 'clickhouse_client_log', module: p.module, args: p.args, err: p.err });
  class PinoBridge {
    trace(p: LogParams): void {
      logger.trace(fields(p), p.message);
    }
    debug(p: LogParams): void {
      logger.debug(fields(p), p.message);
    }
    info(p: LogParams): void {
      logger.debug(fields(p), p.message);
    }
    warn(p: LogParams): void {
      logger.warn(fields(p), p.message);
    }
    error(p: LogParams): void {
      logger.debug(fields(p), p.message);
    }
  }
  return { LoggerClass: PinoBridge, level: ClickHouseLogLevel.WARN };
}
