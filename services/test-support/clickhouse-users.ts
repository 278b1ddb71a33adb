// The ClickHouse users of the test server, taken from the grants recipe that
// docs/security-access.md gives operators ("### Grants (server)"), so the tests check the recipe
// as written rather than a copy of it.
//
// NOTE: the server behind the tests keeps users in a users.xml (clickhouse-local has no writable
// access storage, so CREATE USER is refused), so each `CREATE USER ... [SETTINGS readonly = 1]` and
// `GRANT ... TO user` of the recipe becomes that user's XML entry with the same GRANT text.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface DocUser {
  name: string;
  readonly: boolean;
  /** GRANT statements without their `TO user` tail, as users.xml's `<grants>` takes them. */
  grants: string[];
}

const DOC = fileURLToPath(new URL('../../docs/security-access.md', import.meta.url));

/** Every user the recipe creates, in order, with its grants. Throws if the recipe's block is missing. */
export function docGrantUsers(markdown = readFileSync(DOC, 'utf8')): DocUser[] {
  const block = /### Grants \(server\)\s+```sql\n([\s\S]*?)```/.exec(markdown)?.[1];
  if (block === undefined) throw new Error('docs/security-access.md: no ```sql block under "### Grants (server)"');
  const statements = block
    .split('\n')
    .map((line) => line.replace(/--.*$/, '').trim())
    .join(' ')
    .split(';')
    .map((s) => s.replace(/\s+/g, ' ').trim())
    .filter((s) => s !== '');
  const users = new Map<string, DocUser>();
  for (const s of statements) {
    const created = /^CREATE USER (\w+) IDENTIFIED WITH \w+ BY '[^']*'( SETTINGS readonly = 1)?$/.exec(s);
    if (created) {
      users.set(created[1] as string, { name: created[1] as string, readonly: created[2] !== undefined, grants: [] });
      continue;
    }
    const granted = /^(GRANT .+) TO (\w+)$/.exec(s);
    const user = granted ? users.get(granted[2] as string) : undefined;
    if (!granted || !user) throw new Error(`docs/security-access.md: cannot read the grants statement "${s}"`);
    user.grants.push(granted[1] as string);
  }
  return [...users.values()];
}

const xmlText = (s: string): string => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/**
 * users.xml for the test server: `default` (no password: the server's own local session logs in
 * with it, and unnamed test clients use it) plus the recipe's users with `passwordOf(name)`, all
 * on loopback only.
 */
export function usersXml(users: DocUser[], passwordOf: (name: string) => string): string {
  const entry = (name: string, password: string, profile: string, extra: string): string =>
    `    <${name}>\n      <password>${xmlText(password)}</password>\n` +
    `      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>\n` +
    `      <profile>${profile}</profile>\n      <quota>default</quota>\n${extra}    </${name}>\n`;
  const defaultUser =
    '    <default>\n      <password></password>\n      <networks><ip>::/0</ip></networks>\n' +
    '      <profile>default</profile>\n      <quota>default</quota>\n      <access_management>1</access_management>\n    </default>\n';
  const docUsers = users.map((u) =>
    entry(
      u.name,
      passwordOf(u.name),
      u.readonly ? 'readonly' : 'default',
      `      <grants>\n${u.grants.map((g) => `        <query>${xmlText(g)}</query>\n`).join('')}      </grants>\n`,
    ),
  );
  return (
    '<clickhouse>\n  <profiles>\n    <default></default>\n    <readonly><readonly>1</readonly></readonly>\n  </profiles>\n' +
    '  <quotas><default></default></quotas>\n  <users>\n' +
    defaultUser +
    docUsers.join('') +
    '  </users>\n</clickhouse>\n'
  );
}
