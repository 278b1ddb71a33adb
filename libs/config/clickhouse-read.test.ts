import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './index.js';

describe('the read-only ClickHouse user (CLICKHOUSE_READ_USER)', () => {
  it('is unset by default, so reads log in as CLICKHOUSE_USER', () => {
    const cfg = loadConfig({ env: { CLICKHOUSE_URL: 'http://clickhouse:8123', CLICKHOUSE_USER: 'vigil_write' } });
    expect(cfg.clickhouse).toEqual({ url: 'http://clickhouse:8123', user: 'vigil_write', password: '', database: 'vigil' });
  });

  it('takes the user from the environment and the password from a *_FILE secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-config-read-'));
    writeFileSync(join(dir, 'read-pw'), 's3cret-read\n');
    const cfg = loadConfig({ env: { CLICKHOUSE_READ_USER: 'vigil_read', CLICKHOUSE_READ_PASSWORD_FILE: join(dir, 'read-pw') } });
    expect([cfg.clickhouse.readUser, cfg.clickhouse.readPassword]).toEqual(['vigil_read', 's3cret-read']);
  });

  it('names CLICKHOUSE_READ_PASSWORD_FILE when the file cannot be read', () => {
    expect(() => loadConfig({ env: { CLICKHOUSE_READ_PASSWORD_FILE: '/nonexistent/read-pw' } })).toThrow(
      'CLICKHOUSE_READ_PASSWORD_FILE: cannot read /nonexistent/read-pw',
    );
  });
});
