import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..', '..');
/** The real binary, as operators run it (compiled by `npm run build`, which `npm test` does first). */
export const VIGIL_BIN = join(root, 'bin', 'vigil.js');

export interface VigilProcess {
  url: string;
  /** Everything the process wrote so far: stdout (messages for people) and stderr (pino JSON logs). */
  stdout(): string;
  stderr(): string;
  /** SIGTERM, then the exit code once it has flushed and closed the store. */
  stop(): Promise<number | null>;
}

/** Spawns `vigil start --port 0` and resolves once it prints the URL it listens on. */
export async function startVigilProcess(args: string[], env: Record<string, string | undefined>, timeoutMs = 60_000): Promise<VigilProcess> {
  const child: ChildProcess = spawn(process.execPath, [VIGIL_BIN, 'start', '--port', '0', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vigil start did not listen within ${timeoutMs} ms; stderr:\n${err}`)), timeoutMs);
    const onData = (): void => {
      const m = /Vigil listening on (\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    // After the URL was seen this settles nothing; before it, an early exit or a spawn error fails the start.
    exited.then(
      ([code]) => {
        clearTimeout(timer);
        reject(new Error(`vigil start exited ${code}; stderr:\n${err}`));
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
  let stopped: Promise<number | null> | undefined;
  return {
    url,
    stdout: () => out,
    stderr: () => err,
    stop: () =>
      (stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const [code] = await exited;
        return code;
      })()),
  };
}
