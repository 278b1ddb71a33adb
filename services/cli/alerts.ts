import type { Alert, AlertFilter } from '../../libs/contracts/index.js';
import { AlertFilterSchema } from '../../libs/contracts/index.js';
import { VigilError } from '../../libs/errors/index.js';
import type { AlertPage } from '../../libs/store/types.js';
import { cliConfig, storeOrApi, type CliIo } from './context.js';

/** `vigil alerts [--json] [--status S] [--severity S] [--detector D] [--principal P] [--since T] [--until T]`. */
export async function listAlerts(io: CliIo, flags: Record<string, unknown>): Promise<number> {
  const parsed = AlertFilterSchema.safeParse({
    status: flags.status,
    severity: flags.severity,
    detector: flags.detector,
    principal: flags.principal,
    since: flags.since,
    until: flags.until,
    limit: 1000,
  });
  if (!parsed.success) {
    throw new VigilError('bad_request', parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '));
  }
  const { config, logger } = cliConfig(io, flags, true);
  const target = await storeOrApi(config, logger);
  const all: Alert[] = [];
  let cursor: string | undefined;
  try {
    do {
      const filter: AlertFilter = { ...parsed.data, ...(cursor ? { cursor } : {}) };
      const page: AlertPage =
        'store' in target ? await target.store.listAlerts(filter) : await target.api.call<AlertPage>('GET', `/v1/alerts?${query(filter)}`);
      all.push(...page.alerts);
      cursor = page.nextCursor;
    } while (cursor);
  } finally {
    if ('store' in target) await target.store.close();
  }
  if (flags.json) {
    io.out(JSON.stringify(all, null, 2));
    return 0;
  }
  if (all.length === 0) {
    io.out('No alerts.');
    return 0;
  }
  for (const a of all) {
    io.out(`${a.id}  ${a.severity.padEnd(8)} ${a.status.padEnd(14)} ${a.detector}  ${a.principal}  x${a.count}  ${a.lastSeen}`);
    io.out(`    ${a.summary}`);
  }
  return 0;
}

function query(filter: AlertFilter): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (v !== undefined) p.set(k, String(v));
  return p.toString();
}
