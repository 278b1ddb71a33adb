import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConfiguredDestination, DestinationWithSecrets } from '../../libs/contracts/index.js';
import { VigilError, isVigilError } from '../../libs/errors/index.js';
import type { Logger } from '../../libs/log/index.js';
import type { Store } from '../../libs/store/types.js';
import { validateDestination, type CheckUrl } from './destinations.js';

/** The id of a declared destination: its own `id`, else derived from its name. */
export function configDestinationId(d: Pick<ConfiguredDestination, 'id' | 'name'>): string {
  return d.id ?? `cfg_${createHash('sha256').update(d.name).digest('hex').slice(0, 16)}`;
}

function invalid(where: string, message: string, cause?: unknown): VigilError {
  return new VigilError('config_invalid', `${where}: ${message}`, cause === undefined ? {} : { cause });
}

/** `inline` (discouraged in a committed file), else the file's trimmed content, else the variable. */
function resolveSecret(where: string, field: 'secret' | 'token', inline: string | undefined, file: string | undefined, envName: string | undefined, env: Record<string, string | undefined>): string | undefined {
  const given = [inline, file, envName].filter((v) => v !== undefined).length;
  if (given > 1) throw invalid(where, `give one of ${field}, ${field}File, ${field}Env`);
  if (file !== undefined) {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (cause) {
      throw invalid(where, `${field}File ${file}: cannot read it`, cause);
    }
  }
  if (envName !== undefined) {
    const v = env[envName];
    if (v === undefined || v === '') throw invalid(where, `${field}Env ${envName} is not set`);
    return v;
  }
  return inline;
}

const SAME_KEYS = ['name', 'type', 'url', 'secret', 'token', 'minSeverity', 'detectors', 'allowPrivateNetwork', 'caPem'] as const;

function same(a: DestinationWithSecrets, b: DestinationWithSecrets): boolean {
  return SAME_KEYS.every((k) => JSON.stringify(a[k] ?? null) === JSON.stringify(b[k] ?? null));
}

/**
 * Makes the destinations table hold exactly the declared destinations as source `config`: new ones
 * are created, changed ones get a new version (keeping their creation time, which is the floor of
 * what they are sent), undeclared ones are deleted. API-created destinations are left alone.
 * Throws config_invalid naming the entry (`notify.destinations[2] "splunk"`) for any problem.
 */
export async function syncConfigDestinations(
  declared: readonly ConfiguredDestination[],
  deps: { store: Store; checkUrl: CheckUrl; env: Record<string, string | undefined>; logger: Logger; now?: () => number },
): Promise<{ created: number; updated: number; removed: number }> {
  const at = new Date((deps.now ?? Date.now)()).toISOString();
  const current = new Map((await deps.store.listDestinations()).map((d) => [d.id, d]));
  const wanted: DestinationWithSecrets[] = [];
  const ids = new Set<string>();
  for (const [i, decl] of declared.entries()) {
    const where = `notify.destinations[${i}] "${decl.name}"`;
    const id = configDestinationId(decl);
    if (ids.has(id)) throw invalid(where, `duplicate id ${id}`);
    ids.add(id);
    const { secretFile, secretEnv, tokenFile, tokenEnv, secret: s, token: t, id: _id, ...rest } = decl;
    const secret = resolveSecret(where, 'secret', s, secretFile, secretEnv, deps.env);
    const token = resolveSecret(where, 'token', t, tokenFile, tokenEnv, deps.env);
    const before = current.get(id);
    if (before !== undefined && before.source !== 'config') throw invalid(where, `id ${id} belongs to a destination created through the API; pick another id`);
    const d: DestinationWithSecrets = {
      ...rest,
      allowPrivateNetwork: rest.allowPrivateNetwork === true,
      ...(secret === undefined ? {} : { secret }),
      ...(token === undefined ? {} : { token }),
      id,
      hasSecret: secret !== undefined,
      hasToken: token !== undefined,
      source: 'config',
      createdAt: before?.createdAt ?? at,
      updatedAt: at,
    };
    try {
      await validateDestination(d, deps.checkUrl);
    } catch (err) {
      throw isVigilError(err) && err.code === 'bad_request' ? invalid(where, err.message, err) : err;
    }
    wanted.push(d);
  }
  let created = 0;
  let updated = 0;
  let removed = 0;
  for (const d of wanted) {
    const before = current.get(d.id);
    if (before !== undefined && same(before, d)) continue;
    await deps.store.putDestination(d);
    if (before === undefined) created++;
    else updated++;
  }
  for (const d of current.values()) {
    if (d.source === 'config' && !ids.has(d.id)) {
      await deps.store.deleteDestination(d.id);
      removed++;
    }
  }
  deps.logger.info({ event: 'config_destinations_synced', declared: wanted.length, created, updated, removed });
  return { created, updated, removed };
}
