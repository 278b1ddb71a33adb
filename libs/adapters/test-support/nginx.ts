// A private nginx for integration tests: its own prefix, pid, logs and a free loopback port, with
// Vigil's vigil_json log_format included. Used by the adapter test (what real nginx writes parses)
// and the rsyslog -> Kafka recipe test. Needs /usr/sbin/nginx; a missing nginx fails, never skips.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fixturePath } from './fixtures.js';

const NGINX = '/usr/sbin/nginx';

export interface PrivateNginx {
  port: number;
  /** One request; resolves with the status once the body is read. */
  send: (path: string, init?: RequestInit) => Promise<number>;
  /** nginx writes a log line after the response: waits until `file` (in `dir`) has `count` lines. */
  logLines: (file: string, count: number) => Promise<string[]>;
  stop: () => Promise<void>;
}

/** A TCP port on 127.0.0.1 free right now, for a peer daemon the test starts (nginx, rsyslogd). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts nginx in `dir` (which the caller creates and removes) and waits until it answers.
 * `http(port)` gives the rest of the http {} block: the server with its access_log lines.
 */
export async function startPrivateNginx(dir: string, http: (port: number) => string): Promise<PrivateNginx> {
  await access(NGINX, constants.X_OK).catch((cause: unknown) => {
    throw new Error(`nginx is not installed at ${NGINX} (apt-get install nginx; .ci/run installs it): this test needs a real nginx`, { cause });
  });
  const port = await freePort();
  await writeFile(
    join(dir, 'nginx.conf'),
    `
daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  include ${fixturePath('nginx/vigil-log-format.conf')};
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  default_type application/fhir+json;
${http(port)}
}
`,
  );
  // -e: the error log before the config is read, so nginx never touches /var/log/nginx.
  const proc = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const send = async (path: string, init: RequestInit = {}): Promise<number> => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, init);
    await res.arrayBuffer();
    return res.status;
  };
  const stop = async (): Promise<void> => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGQUIT');
    await Promise.race([exited, sleep(5000).then(() => proc.kill('SIGKILL'))]);
  };
  for (let attempt = 0; ; attempt++) {
    if (proc.exitCode !== null) throw new Error(`nginx exited at start (${proc.exitCode}): ${stderr}`);
    if (await send('/up').then(() => true, () => false)) break;
    if (attempt >= 100) {
      await stop();
      throw new Error(`nginx did not answer on port ${port}: ${stderr}`);
    }
    await sleep(50);
  }
  return {
    port,
    send,
    logLines: async (file, count) => {
      for (let attempt = 0; attempt < 200; attempt++) {
        const lines = (await readFile(join(dir, file), 'utf8')).split('\n').filter((l) => l !== '');
        if (lines.length >= count) return lines;
        await sleep(20);
      }
      throw new Error(`${file} has fewer than ${count} lines`);
    },
    stop,
  };
}
