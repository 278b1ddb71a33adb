import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import type { ApiKeyRecord, AuditAction } from '../../libs/contracts/index.js';
import { RoleSchema } from '../../libs/contracts/index.js';
import { createKeyService, DEFAULT_ROTATION_GRACE_SECONDS, parseDuration } from '../../libs/auth/index.js';
import { VigilError } from '../../libs/errors/index.js';
import type { Store } from '../../libs/store/types.js';
import { cliConfig, storeOrApi, type CliIo } from './context.js';

type PublicKey = Omit<ApiKeyRecord, 'hash'>;

const USAGE =
  'usage: vigil keys create --role admin|analyst|viewer [--label TEXT | --name TEXT] [--expires-in 30d] | keys list [--json] | keys rotate ID [--grace 24h] | keys revoke ID';

function durationFlag(flags: Record<string, unknown>, name: string): number | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  const seconds = typeof v === 'string' ? parseDuration(v) : undefined;
  if (seconds === undefined) throw new VigilError('bad_request', `--${name} must be a duration such as 90m, 24h, 30d or 2w (got ${typeof v === 'string' ? v : typeof v})`);
  return seconds;
}

/**
 * A key change made on the store directly (no `vigil start` running) is audited here, since no API
 * call records it; through the API, the API's audit trail does.
 */
async function auditCli(store: Store, action: AuditAction, target: string, detail: string): Promise<void> {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): the row still says it came from the CLI.
  }
  await store.insertAuditRecords([
    {
      time: new Date().toISOString(),
      requestId: randomUUID(),
      action,
      actor: `cli:${user}`,
      role: 'admin',
      authMethod: 'cli',
      method: 'CLI',
      route: `vigil keys ${action.replace('key_', '').replace('created', 'create').replace('rotated', 'rotate').replace('revoked', 'revoke')}`,
      params: {},
      query: {},
      status: 200,
      outcome: 'success',
      sourceIp: '',
      target,
      detail,
    },
  ]);
}

/** `vigil keys create --role R [--label L] [--expires-in D]` | `keys list [--json]` | `keys rotate ID [--grace D]` | `keys revoke ID`. */
export async function keysCommand(io: CliIo, flags: Record<string, unknown>, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke' && sub !== 'rotate') throw new VigilError('bad_request', USAGE);
  let role: ReturnType<typeof RoleSchema.parse> | undefined;
  if (sub === 'create') {
    const r = RoleSchema.safeParse(flags.role);
    if (!r.success) throw new VigilError('bad_request', '--role must be one of admin, analyst, viewer');
    role = r.data;
  }
  if (sub === 'revoke' && !rest[0]) throw new VigilError('bad_request', 'usage: vigil keys revoke ID (see `vigil keys list`)');
  if (sub === 'rotate' && !rest[0]) throw new VigilError('bad_request', 'usage: vigil keys rotate ID [--grace 24h] (see `vigil keys list`)');
  if (typeof flags.label === 'string' && typeof flags.name === 'string' && flags.label !== flags.name) {
    throw new VigilError('bad_request', '--label and --name are the same thing; give one');
  }
  const label = typeof flags.label === 'string' ? flags.label : typeof flags.name === 'string' ? flags.name : undefined;
  const expiresIn = durationFlag(flags, 'expires-in');
  const grace = durationFlag(flags, 'grace') ?? DEFAULT_ROTATION_GRACE_SECONDS;
  const expiresAt = expiresIn === undefined ? undefined : new Date(Date.now() + expiresIn * 1000).toISOString();
  const id = rest[0] as string;

  const { config, logger } = cliConfig(io, flags, true);
  const target = await storeOrApi(config, logger);
  try {
    if ('store' in target) {
      const keys = createKeyService({ store: target.store, logger });
      if (sub === 'create' && role) {
        const { key, record } = await keys.create(role, label, expiresAt === undefined ? {} : { expiresAt });
        await auditCli(target.store, 'key_created', record.id, `role ${record.role}${record.expiresAt ? `, expires ${record.expiresAt}` : ''}`);
        io.out(`Created ${record.role} key ${record.id} (${record.prefix}...)${expiryNote(record.expiresAt)}. It is shown once; store it now:`);
        io.out(key);
      } else if (sub === 'list') {
        printKeys(io, (await keys.list()).map(({ hash: _hash, ...k }) => k), Boolean(flags.json));
      } else if (sub === 'rotate') {
        const r = await keys.rotate(id, { graceSeconds: grace });
        if (!r) throw new VigilError('not_found', `no live key with id ${id}`);
        await auditCli(target.store, 'key_rotated', id, `replaced by ${r.record.id}, old key valid until ${r.previous.expiresAt ?? ''}`);
        printRotated(io, { id: r.record.id, role: r.record.role, prefix: r.record.prefix, key: r.key, previousExpiresAt: r.previous.expiresAt ?? '' }, id, '');
      } else if (!(await keys.revoke(id))) {
        throw new VigilError('not_found', `no key with id ${id}`);
      } else {
        await auditCli(target.store, 'key_revoked', id, '');
        io.out(`Revoked ${id}`);
      }
    } else if (sub === 'create' && role) {
      const body = { role, ...(label ? { label } : {}), ...(expiresAt ? { expiresAt } : {}) };
      const r = await target.api.call<{ key: string; id: string; role: string; prefix: string; expiresAt?: string }>('POST', '/v1/keys', body);
      io.out(`Created ${r.role} key ${r.id} (${r.prefix}...)${expiryNote(r.expiresAt)} through the running Vigil at ${target.api.url}. It is shown once; store it now:`);
      io.out(r.key);
    } else if (sub === 'list') {
      printKeys(io, (await target.api.call<{ keys: PublicKey[] }>('GET', '/v1/keys')).keys, Boolean(flags.json));
    } else if (sub === 'rotate') {
      const r = await target.api.call<RotatedOut>('POST', `/v1/keys/${encodeURIComponent(id)}/rotate`, { graceSeconds: grace });
      printRotated(io, r, id, ` through the running Vigil at ${target.api.url}`);
    } else {
      await target.api.call('DELETE', `/v1/keys/${encodeURIComponent(id)}`);
      io.out(`Revoked ${id}`);
    }
  } finally {
    if ('store' in target) await target.store.close();
  }
  return 0;
}

interface RotatedOut {
  key: string;
  id: string;
  role: string;
  prefix: string;
  previousExpiresAt: string;
}

function expiryNote(expiresAt: string | undefined): string {
  return expiresAt ? `, expiring ${expiresAt}` : '';
}

function printRotated(io: CliIo, r: RotatedOut, oldId: string, via: string): void {
  io.out(`Rotated ${oldId}: new ${r.role} key ${r.id} (${r.prefix}...)${via}; ${oldId} keeps working until ${r.previousExpiresAt}. It is shown once; store it now:`);
  io.out(r.key);
}

function printKeys(io: CliIo, keys: PublicKey[], json: boolean): void {
  if (json) {
    io.out(JSON.stringify(keys, null, 2));
    return;
  }
  if (keys.length === 0) io.out('No keys.');
  for (const k of keys) {
    // The first fields are exactly what earlier versions printed; newer facts are appended.
    const extra = `${k.expiresAt ? `  expires ${k.expiresAt}` : ''}${k.replacedBy ? `  replaced by ${k.replacedBy}` : ''}${k.lastUsedAt ? `  last used ${k.lastUsedAt}` : ''}`;
    io.out(`${k.id}  ${k.role.padEnd(8)} ${k.prefix}...  created ${k.createdAt}${k.revokedAt ? `  revoked ${k.revokedAt}` : ''}${k.label ? `  ${k.label}` : ''}${extra}`);
  }
}
