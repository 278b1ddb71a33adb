import { loadConfig } from '../../libs/config/index.js';
import type { Config } from '../../libs/contracts/index.js';
import { VigilError, isVigilError } from '../../libs/errors/index.js';
import { createLogger, type Logger } from '../../libs/log/index.js';
import type { Store } from '../../libs/store/types.js';
import { openStore } from '../core.js';
import { createApiClient, type ApiClient } from './api-client.js';
import { readRunInfo } from './run-info.js';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Record<string, string | undefined>;
  /** Whether stderr is a terminal (progress display). */
  tty: boolean;
}

export function cliConfig(io: CliIo, flags: Record<string, unknown>, quiet: boolean): { config: Config; logger: Logger } {
  const config = loadConfig({
    env: io.env,
    ...(typeof flags.config === 'string' ? { file: flags.config } : {}),
    flags: Object.fromEntries(
      Object.entries({ dataDir: flags['data-dir'], port: flags.port, host: flags.host, 'ingest.follow': flags.follow }).filter(([, v]) => v !== undefined),
    ),
  });
  // Short-lived commands log warnings only unless asked: their output is for people and pipes.
  const level = quiet && !io.env.VIGIL_LOG_LEVEL ? 'warn' : config.logLevel;
  return { config, logger: createLogger({ level, name: 'vigil' }) };
}

/**
 * Either the store itself or, when `vigil start` holds the embedded data directory, a client of
 * its API. Commands that can work through the API take both paths; others say so clearly.
 */
export async function storeOrApi(config: Config, logger: Logger): Promise<{ store: Store } | { api: ApiClient }> {
  // A live `vigil start` on this data dir: go straight to its API rather than let the embedded
  // engine fail on the lock (and print its own error) first.
  const running = runningVigil(config);
  if (running) return { api: createApiClient(running) };
  try {
    return { store: await openStore(config, logger) };
  } catch (e) {
    if (!isVigilError(e) || e.code !== 'data_dir_locked') throw e;
    const info = readRunInfo(config.dataDir);
    if (!info) {
      throw new VigilError('data_dir_locked', `${config.dataDir} is locked by another Vigil process and no API address was found in ${config.dataDir}/run`, { cause: e });
    }
    return { api: createApiClient(info) };
  }
}

/** The `vigil start` that holds this embedded data dir, if one is alive. */
export function runningVigil(config: Config): ReturnType<typeof readRunInfo> {
  const info = config.clickhouse.url ? undefined : readRunInfo(config.dataDir);
  return info && isAlive(info.pid) ? info : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
