import { VigilError } from '../../libs/errors/index.js';
import type { RunInfo } from './run-info.js';

/** Calls the API of a running `vigil start` with the local CLI key. */
export function createApiClient(info: RunInfo & { key: string }) {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(new URL(path, info.url), {
        method,
        headers: { authorization: `Bearer ${info.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (cause) {
      throw new VigilError('store_unavailable', `the data directory is locked by vigil start (pid ${info.pid}) but its API at ${info.url} does not answer`, { cause });
    }
    const text = await res.text();
    if (!res.ok) {
      throw new VigilError('internal', `API ${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }
  return { call, url: info.url, pid: info.pid };
}
export type ApiClient = ReturnType<typeof createApiClient>;
