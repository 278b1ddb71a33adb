import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { Config, InputFormat } from '../../libs/contracts/index.js';
import { createTokenizer } from '../../libs/privacy/index.js';
import { createRouteTemplater } from '../../libs/routes/index.js';
import { createNormalizer } from './normalize.js';
import { prepareBody, prepareLine } from './prepare.js';

/** What createWorkerPreparer hands the worker: the normalizer's config and the current tokenization key. */
export interface PrepareWorkerData {
  config: Pick<Config, 'identity' | 'phi'>;
  key: Uint8Array;
}

export type PrepareRequest =
  /**
   * Line i is `strings[i]`, or when that is null the UTF-8 bytes of `packed` from `ends[i - 1]` (0 for
   * the first) to `ends[i]`: one buffer for a batch instead of one clone per message.
   */
  | { id: number; op: 'lines'; format: InputFormat; strings: (string | null)[]; packed: Uint8Array; ends: number[]; occurrences: (string | undefined)[] }
  | { id: number; op: 'body'; format: InputFormat; body: string };

export type PrepareResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

// The worker thread's body: the same normalizer core.ts builds (same key as the keyring's current
// tokenizer, a fresh route templater), answering requests in order.
if (!isMainThread && parentPort) {
  const port = parentPort;
  const data = workerData as PrepareWorkerData;
  const normalize = createNormalizer(data.config, { tokenizer: createTokenizer(Buffer.from(data.key)), templater: createRouteTemplater() });
  port.on('message', (req: PrepareRequest) => {
    let res: PrepareResponse;
    try {
      const result =
        req.op === 'lines'
          ? req.strings.map((s, i) => prepareLine(normalize, s ?? lineAt(req.packed, req.ends, i), req.format, req.occurrences[i]))
          : prepareBody(normalize, req.body, req.format);
      res = { id: req.id, ok: true, result };
    } catch (e) {
      // Bad input is a dead letter inside prepare*; reaching here is a bug, and the caller's first failure.
      res = { id: req.id, ok: false, error: e instanceof Error ? e.message : String(e) };
    }
    port.postMessage(res);
  });
}

/** Buffer's decoding, as the main thread's `toString('utf8')` (TextDecoder would drop a BOM and change the event id). */
function lineAt(packed: Uint8Array, ends: number[], i: number): string {
  const start = i === 0 ? 0 : (ends[i - 1] ?? 0);
  return Buffer.from(packed.buffer, packed.byteOffset + start, (ends[i] ?? start) - start).toString('utf8');
}
