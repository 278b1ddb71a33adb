import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * While `vigil start` runs, chDB holds the data directory's lock, so other CLI commands cannot open
 * the store. They talk to the running API instead, using what start leaves in <dataDir>/run:
 * api.json (where it listens) and cli.key, an admin key that lives only in that process's memory
 * and in this 0600 file. Whoever can read the data directory can read all of Vigil's data anyway.
 */
export interface RunInfo {
  url: string;
  pid: number;
  startedAt: string;
  /**
   * Present when the API serves https: the CLI trusts exactly the certificate whose SHA-256
   * fingerprint is written here (read from certFile, plus caFile for a private CA), so a
   * self-signed certificate works without weakening verification for anything else.
   */
  tls?: { certFile: string; certSha256: string; caFile?: string };
}

const dir = (dataDir: string) => join(dataDir, 'run');

export function writeRunInfo(dataDir: string, info: RunInfo): string {
  mkdirSync(dir(dataDir), { recursive: true, mode: 0o700 });
  const key = `vgl_local_${randomBytes(32).toString('base64url')}`;
  writeFileSync(join(dir(dataDir), 'cli.key'), `${key}\n`, { mode: 0o600 });
  writeFileSync(join(dir(dataDir), 'api.json'), `${JSON.stringify(info)}\n`, { mode: 0o600 });
  return key;
}

export function readRunInfo(dataDir: string): (RunInfo & { key: string }) | undefined {
  try {
    const info = JSON.parse(readFileSync(join(dir(dataDir), 'api.json'), 'utf8')) as RunInfo;
    const key = readFileSync(join(dir(dataDir), 'cli.key'), 'utf8').trim();
    return { ...info, key };
  } catch {
    return undefined;
  }
}

export function removeRunInfo(dataDir: string): void {
  rmSync(dir(dataDir), { recursive: true, force: true });
}
