import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Config, InputFormat } from '../../libs/contracts/index.js';
import { VigilError } from '../../libs/errors/index.js';
import type { Normalizer } from './normalize.js';
import { prepareBody, prepareLine, type PreparedItem, type PreparedLine } from './prepare.js';
import type { PrepareRequest, PrepareResponse, PrepareWorkerData } from './prepare-worker.js';

/** A line to prepare: text, or the bytes a transport delivered (UTF-8), plus its coordinate if any. */
export interface LineInput {
  line: string | Uint8Array;
  /** SourcePosition.occurrence: part of the event id (Kafka topic/partition/offset). */
  occurrence?: string;
}

/**
 * Parse + normalize, in order, for every transport of one process. There is one per process because
 * route templates are learned from the traffic in order: one learning state gives the same templates
 * whichever transport a line came through.
 */
export interface Preparer {
  lines(inputs: readonly LineInput[], format: InputFormat): Promise<PreparedLine[]>;
  body(body: string, format: InputFormat): Promise<PreparedItem[]>;
  /** Present when preparing runs on the caller's thread (then `lines` and `body` are synchronous too). */
  readonly prepareLineSync?: (line: string, format: InputFormat, occurrence?: string) => PreparedLine;
  /** Rejects with the first failure of a worker (its thread died: nothing more can be ingested); resolves on close. */
  readonly done: Promise<void>;
  close(): Promise<void>;
}

/** A request before it has an id (Omit over each member of the union). */
type Unsent = PrepareRequest extends infer R ? (R extends PrepareRequest ? Omit<R, 'id'> : never) : never;

const text = (line: string | Uint8Array) => (typeof line === 'string' ? line : Buffer.from(line.buffer, line.byteOffset, line.byteLength).toString('utf8'));

/** Prepares on the calling thread. */
export function createInlinePreparer(normalize: Normalizer): Preparer {
  const prepareLineSync = (line: string, format: InputFormat, occurrence?: string) => prepareLine(normalize, line, format, occurrence);
  let closed: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (closed = resolve));
  return {
    prepareLineSync,
    lines: (inputs, format) => Promise.resolve(inputs.map((i) => prepareLineSync(text(i.line), format, i.occurrence))),
    body: (body, format) => Promise.resolve(prepareBody(normalize, body, format)),
    done,
    close: () => {
      closed();
      return Promise.resolve();
    },
  };
}

/**
 * The worker's young generation. Each run it prepares leaves a parsed 1.7 KB line and a normalized
 * event per message, all short-lived; with V8's default the worker scavenged often enough to cost
 * ~5 % of a replayed event's process CPU (2026-11-30, four back-to-back pairs of `vigil replay` of
 * 178,477 lines: 107.8-111.8 µs per event against 112.3-116.9; 24 and 48 MB were no better than the
 * default, 192 MB no better than 96). `npm run bench:kafka` (300,000 events, two pairs) showed no
 * difference: 100.0-101.8 µs per event either way. Costs ~30 MB of memory at most.
 */
const WORKER_YOUNG_GENERATION_MB = 96;

/**
 * Prepares on one worker thread, so parse and normalize (about half of the main thread's work per
 * event) run beside detection instead of before it. One worker, not a pool: templates are learned
 * in order (see Preparer). Requests are answered in the order they were sent.
 * A worker that dies fails every pending and later request: the caller's first failure stops it
 * (the Kafka loop then exits without committing, and a restart resumes).
 */
export function createWorkerPreparer(
  config: Pick<Config, 'identity' | 'phi'>,
  deps: {
    tokenizationKey: Buffer;
    /** The worker's script; default the compiled prepare-worker.js (tests give one that dies). */
    entry?: URL;
  },
): Preparer {
  const data: PrepareWorkerData = { config: { identity: config.identity, phi: config.phi }, key: new Uint8Array(deps.tokenizationKey) };
  const worker = new Worker(deps.entry ?? workerFile(), { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  let nextId = 0;
  let failure: VigilError | undefined;
  let closing = false;
  let settle: { resolve: () => void; reject: (e: unknown) => void } = { resolve: () => undefined, reject: () => undefined };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  // Callers that never watch `done` still see each failure through their own requests.
  done.catch(() => undefined);
  // NOTE: idle, the worker must not keep the process alive; busy, it must, or a caller awaiting
  // an answer with nothing else scheduled would see the process exit under it.
  worker.unref();

  function failAll(err: VigilError): void {
    failure ??= err;
    settle.reject(failure);
    for (const p of pending.values()) p.reject(failure);
    pending.clear();
  }
  worker.on('message', (msg: PrepareResponse) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (pending.size === 0) worker.unref();
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new VigilError('internal', `prepare worker: ${msg.error}`));
  });
  worker.on('error', (e) => failAll(new VigilError('internal', `prepare worker failed: ${e.message}`, { cause: e })));
  worker.on('exit', (code) => {
    if (!closing || pending.size > 0) failAll(new VigilError('internal', `prepare worker exited (code ${code})`));
  });

  function call<T>(req: Unsent): Promise<T> {
    if (failure) return Promise.reject(failure);
    if (closing) return Promise.reject(new VigilError('internal', 'prepare worker is closed'));
    const id = nextId++;
    const answer = new Promise<T>((resolve, reject) => pending.set(id, { resolve: resolve as (v: unknown) => void, reject }));
    if (pending.size === 1) worker.ref();
    worker.postMessage({ ...req, id });
    return answer;
  }

  return {
    lines(inputs, format) {
      const strings: (string | null)[] = [];
      const bytes: Uint8Array[] = [];
      const ends: number[] = [];
      let size = 0;
      for (const { line } of inputs) {
        if (typeof line === 'string') strings.push(line);
        else {
          strings.push(null);
          bytes.push(line);
          size += line.byteLength;
        }
        ends.push(size);
      }
      // Transport buffers are often views into one large fetch buffer; cloning a view copies all of it.
      const packed = Buffer.concat(bytes, size);
      return call<PreparedLine[]>({ op: 'lines', format, strings, packed, ends, occurrences: inputs.map((i) => i.occurrence) });
    },
    body: (body, format) => call<PreparedItem[]>({ op: 'body', format, body }),
    done,
    async close() {
      if (closing) return;
      closing = true;
      await worker.terminate();
      settle.resolve();
    },
  };
}

/**
 * The worker's entry, compiled. Under vitest this module is TypeScript, which a worker thread cannot
 * load, so it uses the build (`npm test` builds first).
 */
function workerFile(): URL {
  const here = import.meta.url;
  const url = here.endsWith('.ts') ? new URL('../../dist/services/ingest/prepare-worker.js', here) : new URL('./prepare-worker.js', here);
  if (!existsSync(fileURLToPath(url))) throw new VigilError('internal', `prepare worker not built: ${fileURLToPath(url)} is missing (run npm run build)`);
  return url;
}
