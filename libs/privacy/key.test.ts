import { mkdtempSync, readFileSync, rmSync, statSync, chmodSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VigilError } from '../errors/index.js';
import { loadOrCreateKey, parseKey } from './key.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-key-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const posix = process.platform !== 'win32';

describe('loadOrCreateKey', () => {
  it('creates a 32-byte key file with mode 0600 in a new nested data dir', () => {
    const dataDir = join(dir, 'a', 'b');
    const loaded = loadOrCreateKey({ dataDir });
    const path = join(dataDir, 'tokenization.key');
    expect(loaded.source).toBe('created');
    expect(loaded.path).toBe(path);
    expect(loaded.key.length).toBe(32);
    expect(readFileSync(path, 'utf8')).toBe(`${loaded.key.toString('hex')}\n`);
    if (posix) expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('returns the same key on later calls', () => {
    const first = loadOrCreateKey({ dataDir: dir });
    const second = loadOrCreateKey({ dataDir: dir });
    expect(second.source).toBe('file');
    expect(second.key.equals(first.key)).toBe(true);
    expect(second.warnings).toEqual([]);
  });

  it.runIf(posix)('tightens a key file readable by others and says so', () => {
    const { path } = loadOrCreateKey({ dataDir: dir });
    chmodSync(path!, 0o644);
    const loaded = loadOrCreateKey({ dataDir: dir });
    expect(loaded.warnings).toEqual([`tokenization key file ${path} had mode 0644; tightened to 0600`]);
    expect(statSync(path!).mode & 0o777).toBe(0o600);
  });

  it('rejects a corrupt key file instead of silently replacing it', () => {
    writeFileSync(join(dir, 'tokenization.key'), 'not a key\n', { mode: 0o600 });
    expect(() => loadOrCreateKey({ dataDir: dir })).toThrow(/does not hold a hex or base64 key/);
  });

  it('uses a configured hex key without touching the data dir', () => {
    const hex = 'ab'.repeat(32);
    const loaded = loadOrCreateKey({ dataDir: join(dir, 'unused'), configured: hex });
    expect(loaded).toEqual({ key: Buffer.from(hex, 'hex'), source: 'configured', warnings: [] });
  });

  it('uses a configured base64 key of 32 bytes', () => {
    const raw = Buffer.alloc(32, 0xfe);
    expect(loadOrCreateKey({ dataDir: dir, configured: raw.toString('base64') }).key.equals(raw)).toBe(true);
    expect(loadOrCreateKey({ dataDir: dir, configured: raw.toString('base64url') }).key.equals(raw)).toBe(true);
  });

  it.each([
    ['too short hex', 'ab'.repeat(16)],
    ['too short base64', Buffer.alloc(16).toString('base64')],
    ['not an encoding', 'correct horse battery staple correct horse battery staple!'],
  ])('rejects a configured key that is %s, naming VIGIL_TOKENIZATION_KEY and not echoing it', (_label, value) => {
    let caught: unknown;
    try {
      loadOrCreateKey({ dataDir: dir, configured: value });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(VigilError);
    const err = caught as VigilError;
    expect(err.code).toBe('config_invalid');
    expect(err.message).toContain('VIGIL_TOKENIZATION_KEY');
    expect(err.message).not.toContain(value);
  });
});

describe('parseKey', () => {
  it('prefers hex when the text is both valid hex and valid base64', () => {
    expect(parseKey('00'.repeat(32))).toEqual(Buffer.alloc(32));
  });
});
