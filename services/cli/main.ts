import { parseArgs } from 'node:util';
import { isVigilError } from '../../libs/errors/index.js';
import { listAlerts } from './alerts.js';
import type { CliIo } from './context.js';
import { keysCommand } from './keys.js';
import { formatSummary, replay } from './replay.js';
import { startVigil } from './start.js';
import { simulateCommand } from '../simulate/cli.js';

export const USAGE = `Usage: vigil <command> [options]

Commands:
  start   [--data-dir DIR] [--port N] [--host H]      API + ingest + pipeline (embedded ClickHouse)
          [--follow FILE]...                           also read log files as they are written (tail -F)
          [--kafka-brokers H:P,...] [--roles ingest,detect,api,notify]   Kafka mode (see README "Kafka")
  replay  [--data-dir DIR] [--format auto|kong|nginx|envoy|vigil] FILE...
                                                       run log files through the pipeline on event time
  alerts  [--json] [--data-dir DIR] [--status S] [--severity S] [--detector D] [--principal P] [--since ISO] [--until ISO]
  keys    create --role admin|analyst|viewer [--label TEXT] | list [--json] | revoke ID   [--data-dir DIR]
          create ... [--name TEXT] [--expires-in 30d] | rotate ID [--grace 24h]   expiry and rotation
  simulate --out DIR [--days N] [--seed S] [--format kong|nginx|envoy] [--scale X]
                                                       labelled synthetic traffic (traffic.log, labels.jsonl)

Common options: --config FILE (JSON), environment: VIGIL_DATA_DIR, VIGIL_PORT, CLICKHOUSE_URL, ... (see README)
`;

const OPTIONS = {
  'data-dir': { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  config: { type: 'string' },
  format: { type: 'string' },
  json: { type: 'boolean' },
  role: { type: 'string' },
  label: { type: 'string' },
  name: { type: 'string' },
  'expires-in': { type: 'string' },
  grace: { type: 'string' },
  status: { type: 'string' },
  severity: { type: 'string' },
  detector: { type: 'string' },
  principal: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  'kafka-brokers': { type: 'string' },
  roles: { type: 'string' },
  follow: { type: 'string', multiple: true },
  out: { type: 'string' },
  days: { type: 'string' },
  seed: { type: 'string' },
  scale: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const defaultIo = (): CliIo => ({
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(t),
  env: process.env,
  tty: Boolean(process.stderr.isTTY),
});

/** Runs one CLI command; resolves with the process exit code. */
export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    io.err(`vigil: ${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
    return 2;
  }
  const { values: flags, positionals } = parsed;
  const [command, ...args] = positionals;
  if (flags.help || !command) {
    io.out(USAGE);
    return command || flags.help ? 0 : 2;
  }
  try {
    switch (command) {
      case 'start': {
        const running = await startVigil(io, flags, { handleSignals: true });
        return await running.done;
      }
      case 'replay': {
        io.out(formatSummary(await replay(io, flags, args)));
        return 0;
      }
      case 'alerts':
        return await listAlerts(io, flags);
      case 'keys':
        return await keysCommand(io, flags, args);
      case 'simulate':
        return simulateCommand(io, flags);
      default:
        io.err(`vigil: unknown command "${command}"\n\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    const code = isVigilError(e) && (e.code === 'bad_request' || e.code === 'config_invalid' || e.code === 'not_found') ? 2 : 1;
    io.err(`vigil: ${e instanceof Error ? e.message : String(e)}\n`);
    return code;
  }
}
