import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { VigilError } from '../errors/index.js';

export const KEY_FILE_NAME = 'tokenization.key';
const KEY_BYTES = 32;
const ENV_VAR = 'VIGIL_TOKENIZATION_KEY';

export interface LoadedKey {
  key: Buffer;
  /** configured: from VIGIL_TOKENIZATION_KEY; file: read from the data dir; created: generated now. */
  source: 'configured' | 'file' | 'created';
  /** The key file, when one was read or written. */
  path?: string;
  /**
   * Things the caller should log (this module has no logger), e.g. a key file whose mode let
   * other users read it and was tightened to 0600. Never contains key material.
   */
  warnings: string[];
}

/**
 * Parses a key written as hex (at least 64 hex chars) or base64/base64url (at least 32 bytes).
 * Returns undefined when the text is neither; callers name the source in their error.
 * NOTE: hex is tried first because every hex string is also valid base64.
 */
export function parseKey(text: string): Buffer | undefined {
  const s = text.trim();
  if (/^(?:[0-9a-fA-F]{2}){32,}$/.test(s)) return Buffer.from(s, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(s)) {
    const decoded = Buffer.from(s, 'base64');
    if (decoded.length >= KEY_BYTES) return decoded;
  }
  return undefined;
}

/**
 * The tokenization key: the configured value, else `<dataDir>/tokenization.key`, else a new random
 * key written there with mode 0600. Losing or changing the key changes every token, which resets
 * baselines and breaks joins with stored events, so the file is created atomically and never
 * overwritten.
 */
export function loadOrCreateKey(opts: { dataDir: string; configured?: string }): LoadedKey {
  if (opts.configured !== undefined) {
    const key = parseKey(opts.configured);
    if (key === undefined) {
      // Never echo the value: it is a secret even when malformed.
      throw new VigilError(
        'config_invalid',
        `${ENV_VAR} must be hex (at least 64 hex characters) or base64 (at least ${KEY_BYTES} bytes); got ${opts.configured.trim().length} characters that are neither`,
      );
    }
    return { key, source: 'configured', warnings: [] };
  }

  const path = join(opts.dataDir, KEY_FILE_NAME);
  const existing = readKeyFile(path);
  if (existing !== undefined) return existing;

  try {
    mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw cannotCreate(path, e);
  }
  const key = randomBytes(KEY_BYTES);
  if (!createExclusively(path, `${key.toString('hex')}\n`)) {
    // Another process created it between our read and our link: its key wins.
    const raced = readKeyFile(path);
    if (raced !== undefined) return raced;
  }
  return { key, source: 'created', path, warnings: [] };
}

function readKeyFile(path: string): LoadedKey | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined;
    throw new VigilError('config_invalid', `cannot read tokenization key file ${path}; set ${ENV_VAR} or fix the file`, { cause: e });
  }
  const key = parseKey(text);
  if (key === undefined) {
    throw new VigilError(
      'config_invalid',
      `tokenization key file ${path} does not hold a hex or base64 key of at least ${KEY_BYTES} bytes; restore it from backup (a new key changes every token) or set ${ENV_VAR}`,
    );
  }
  return { key, source: 'file', path, warnings: tightenMode(path) };
}

/** POSIX only: Windows reports synthetic modes, so the check would always misfire there. */
function tightenMode(path: string): string[] {
  if (process.platform === 'win32') return [];
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) === 0) return [];
  const was = mode.toString(8).padStart(4, '0');
  try {
    chmodSync(path, 0o600);
    return [`tokenization key file ${path} had mode ${was}; tightened to 0600`];
  } catch {
    // e.g. a read-only mount: still usable, but the operator must know others can read it.
    return [`tokenization key file ${path} has mode ${was} and could not be tightened to 0600; other users may read it`];
  }
}

/**
 * Writes a temp file, then hard-links it into place: link() fails if the target exists, so two
 * starters never overwrite each other and no reader ever sees a half-written key.
 * Returns false when the target already existed.
 */
function createExclusively(path: string, content: string): boolean {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  let fd: number;
  try {
    fd = openSync(tmp, 'wx', 0o600);
  } catch (e) {
    throw cannotCreate(path, e);
  }
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    // The umask may only remove bits, but be explicit: the mode is the point.
    chmodSync(tmp, 0o600);
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if (isErrno(e, 'EEXIST')) return false;
    throw cannotCreate(path, e);
  } finally {
    unlinkSync(tmp);
  }
}

function cannotCreate(path: string, cause: unknown): VigilError {
  return new VigilError('config_invalid', `cannot create tokenization key file ${path}; set ${ENV_VAR} or make the data dir writable`, { cause });
}

function isErrno(e: unknown, code: string): boolean {
  return e instanceof Error && (e as NodeJS.ErrnoException).code === code;
}
