import type { ApiKeyRecord } from '../../libs/contracts/index.js';
import { RoleSchema } from '../../libs/contracts/index.js';
import { createKeyService } from '../../libs/auth/index.js';
import { VigilError } from '../../libs/errors/index.js';
import { cliConfig, storeOrApi, type CliIo } from './context.js';

type PublicKey = Omit<ApiKeyRecord, 'hash'>;

/** `vigil keys create --role R [--label L]` | `keys list [--json]` | `keys revoke ID`. */
export async function keysCommand(io: CliIo, flags: Record<string, unknown>, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') {
    throw new VigilError('bad_request', 'usage: vigil keys create --role admin|analyst|viewer [--label TEXT] | keys list [--json] | keys revoke ID');
  }
  let role: ReturnType<typeof RoleSchema.parse> | undefined;
  if (sub === 'create') {
    const r = RoleSchema.safeParse(flags.role);
    if (!r.success) throw new VigilError('bad_request', '--role must be one of admin, analyst, viewer');
    role = r.data;
  }
  if (sub === 'revoke' && !rest[0]) throw new VigilError('bad_request', 'usage: vigil keys revoke ID (see `vigil keys list`)');
  const label = typeof flags.label === 'string' ? flags.label : undefined;

  const { config, logger } = cliConfig(io, flags, true);
  const target = await storeOrApi(config, logger);
  try {
    if ('store' in target) {
      const keys = createKeyService({ store: target.store });
      if (sub === 'create' && role) {
        const { key, record } = await keys.create(role, label);
        io.out(`Created ${record.role} key ${record.id} (${record.prefix}...). It is shown once; store it now:`);
        io.out(key);
      } else if (sub === 'list') {
        printKeys(io, (await keys.list()).map(({ hash: _hash, ...k }) => k), Boolean(flags.json));
      } else if (!(await keys.revoke(rest[0] as string))) {
        throw new VigilError('not_found', `no key with id ${rest[0]}`);
      } else {
        io.out(`Revoked ${rest[0]}`);
      }
    } else if (sub === 'create' && role) {
      const r = await target.api.call<{ key: string; id: string; role: string; prefix: string }>('POST', '/v1/keys', { role, ...(label ? { label } : {}) });
      io.out(`Created ${r.role} key ${r.id} (${r.prefix}...) through the running Vigil at ${target.api.url}. It is shown once; store it now:`);
      io.out(r.key);
    } else if (sub === 'list') {
      printKeys(io, (await target.api.call<{ keys: PublicKey[] }>('GET', '/v1/keys')).keys, Boolean(flags.json));
    } else {
      await target.api.call('DELETE', `/v1/keys/${encodeURIComponent(rest[0] as string)}`);
      io.out(`Revoked ${rest[0]}`);
    }
  } finally {
    if ('store' in target) await target.store.close();
  }
  return 0;
}

function printKeys(io: CliIo, keys: PublicKey[], json: boolean): void {
  if (json) {
    io.out(JSON.stringify(keys, null, 2));
    return;
  }
  if (keys.length === 0) io.out('No keys.');
  for (const k of keys) {
    io.out(`${k.id}  ${k.role.padEnd(8)} ${k.prefix}...  created ${k.createdAt}${k.revokedAt ? `  revoked ${k.revokedAt}` : ''}${k.label ? `  ${k.label}` : ''}`);
  }
}
