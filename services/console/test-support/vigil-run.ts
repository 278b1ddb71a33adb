import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A real `vigil` (the compiled binary) on a temp data dir, as the CLI tests run it. */
export const root = join(import.meta.dirname, '..', '..', '..');
const bin = join(root, 'bin', 'vigil.js');

export interface VigilRun {
  dataDir: string;
  env: NodeJS.ProcessEnv;
  /** Runs a CLI command to completion; throws with its stderr on a non-zero exit. */
  cli(...args: string[]): string;
  /** `vigil start --port 0`; resolves with its URL. */
  start(): Promise<string>;
  stop(): Promise<void>;
}

export function createVigilRun(opts: { tokenizationKeyHex: string }): VigilRun {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-console-'));
  // Rate limits off: the browser and the test together make a few hundred requests in a minute.
  // Long retention: the simulator's traffic is months old by wall clock, and pages read its events.
  const env = { ...process.env, VIGIL_TOKENIZATION_KEY: opts.tokenizationKeyHex, VIGIL_DATA_DIR: dataDir, VIGIL_LOG_LEVEL: 'warn', VIGIL_RATE_LIMIT_PER_MINUTE: '0', VIGIL_RETENTION_DAYS: '3650' };
  let server: ChildProcess | undefined;
  return {
    dataDir,
    env,
    cli(...args) {
      const r = spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', timeout: 120_000 });
      if (r.status !== 0) throw new Error(`vigil ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
      return r.stdout;
    },
    start() {
      const child = spawn(process.execPath, [bin, 'start', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      server = child;
      let err = '';
      child.stderr?.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-4000)));
      return new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout?.on('data', (b: Buffer) => {
          out += b.toString();
          const m = /Vigil listening on (http:\/\/[^\s]+)/.exec(out);
          if (m) resolve((m[1] as string).replace(/\/$/, ''));
        });
        child.once('exit', (code) => reject(new Error(`vigil start exited ${code}: ${err}`)));
      });
    },
    async stop() {
      if (server && server.exitCode === null) {
        const exited = new Promise((r) => server?.once('exit', r));
        server.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/**
 * The console and the CLI must be built (`npm test` and `npm run build` do both). A missing console
 * bundle is built here so the test can run on its own after `tsc`; a missing CLI build is an error.
 */
export function ensureBuilt(): void {
  if (!existsSync(join(root, 'dist', 'services', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const assets = join(root, 'dist', 'console', 'assets');
  if (existsSync(join(root, 'dist', 'console', 'index.html')) && existsSync(assets) && readdirSync(assets).length > 0) return;
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(root, 'services', 'console', 'web', 'vite.config.ts')], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`vite build failed: ${r.stderr}`);
}

/** Debian's chromium; the test fails (never skips) without it. */
export const CHROMIUM = '/usr/bin/chromium';
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the console end-to-end test drives Debian's chromium package (apt-get install chromium; .ci/run installs it)`);
  }
}
