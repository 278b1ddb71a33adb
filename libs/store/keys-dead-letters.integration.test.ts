import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiKeyRecord, DeadLetter } from '../contracts/index.js';
import { createStore } from './index.js';
import { removeDataDir, silentLogger, storeConfig, tempDataDir } from './test-support/fixtures.js';
import type { Store } from './types.js';

let store: Store;
let dataDir: string;

beforeAll(async () => {
  dataDir = await tempDataDir('keys');
  store = await createStore(storeConfig(dataDir, 'keys_test'), { logger: silentLogger });
});

afterAll(async () => {
  await store.close();
  await removeDataDir(dataDir);
});

const admin: ApiKeyRecord = {
  id: 'key_admin',
  prefix: 'vgl_ab12',
  hash: 'a'.repeat(64),
  role: 'admin',
  createdAt: '2026-03-01T09:00:00.000Z',
  label: 'bootstrap',
};
const viewer: ApiKeyRecord = {
  id: 'key_viewer',
  prefix: 'vgl_cd34',
  hash: 'b'.repeat(64),
  role: 'viewer',
  createdAt: '2026-03-01T09:30:00.000Z',
};

describe('api keys', () => {
  it('are found by hash after creation, with absent label left absent', async () => {
    await store.createApiKey(admin);
    await store.createApiKey(viewer);
    expect(await store.findApiKeyByHash('a'.repeat(64))).toEqual(admin);
    expect(await store.findApiKeyByHash('b'.repeat(64))).toEqual(viewer);
    expect(await store.findApiKeyByHash('c'.repeat(64))).toBeUndefined();
  });

  it('stop being found once revoked, and a second revoke or an unknown id reports false', async () => {
    expect(await store.revokeApiKey('key_viewer', '2026-03-02T08:00:00.000Z')).toBe(true);
    expect(await store.findApiKeyByHash('b'.repeat(64))).toBeUndefined();
    expect(await store.revokeApiKey('key_viewer', '2026-03-03T08:00:00.000Z')).toBe(false);
    expect(await store.revokeApiKey('key_missing', '2026-03-03T08:00:00.000Z')).toBe(false);
  });

  it('are all listed, oldest first, revoked ones with their first revocation time', async () => {
    expect(await store.listApiKeys()).toEqual([admin, { ...viewer, revokedAt: '2026-03-02T08:00:00.000Z' }]);
  });
});

describe('dead letters', () => {
  it('are stored and counted, nothing merged away', async () => {
    const now = Date.now();
    const row = (position: string): DeadLetter => ({
      source: 'file:/var/log/nginx/access.log',
      position,
      format: 'nginx',
      reason: 'unparseable line',
      raw: '<<garbage>>',
      receivedAt: now,
    });
    expect(await store.deadLetterCount()).toBe(0);
    await store.insertDeadLetters([row('17'), row('18')]);
    await store.insertDeadLetters([row('17')]);
    await store.insertDeadLetters([]);
    expect(await store.deadLetterCount()).toBe(3);
  });
});
