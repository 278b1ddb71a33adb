import { createHmac, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as a real SIEM webhook endpoint saw it. */
export interface Receipt {
  idempotencyKey: string;
  /** What this receiver answered. */
  status: number;
  /** X-Vigil-Signature verified against the secret (the documented check). */
  signatureValid: boolean;
  body: { type?: string; idempotencyKey?: string; alert?: { id: string; version: number; count: number; status: string } };
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
}

export interface Receiver {
  url: string;
  receipts: Receipt[];
  /** How the next requests are answered (default 200); a promise holds the request open until it settles. */
  answer: (r: Receipt) => Answer | Promise<Answer>;
  /** Most requests open at the same time so far. */
  maxConcurrent: number;
  /** Idempotency keys accepted (2xx), deduplicated, in first-acceptance order. */
  accepted(): string[];
  close(): Promise<void>;
}

/** A real webhook receiver on 127.0.0.1 that verifies signatures as docs/siem-delivery.md says. */
export async function startReceiver(secret: string, port = 0): Promise<Receiver> {
  const receipts: Receipt[] = [];
  const self: Receiver = {
    url: '',
    receipts,
    answer: () => ({ status: 200 }),
    maxConcurrent: 0,
    accepted() {
      const seen = new Set<string>();
      for (const r of receipts) if (r.status < 300) seen.add(r.idempotencyKey);
      return [...seen];
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  let open = 0;
  const server: Server = createServer((req, res) => {
    open++;
    self.maxConcurrent = Math.max(self.maxConcurrent, open);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const ts = String(req.headers['x-vigil-timestamp'] ?? '');
      const sig = String(req.headers['x-vigil-signature'] ?? '');
      const expected = `v1=${createHmac('sha256', secret).update(`${ts}.${raw}`).digest('hex')}`;
      const signatureValid = sig.length === expected.length && timingSafeEqual(Buffer.from(sig), Buffer.from(expected));
      const partial = { idempotencyKey: String(req.headers['idempotency-key'] ?? ''), signatureValid, body: JSON.parse(raw) as Receipt['body'], status: 0 };
      void Promise.resolve(self.answer(partial)).then((a) => {
        open--;
        receipts.push({ ...partial, status: a.status });
        res.writeHead(a.status, a.headers).end(a.status < 300 ? 'ok' : 'busy');
      });
    });
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  self.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/vigil`;
  return self;
}

/** Polls `check` every 20 ms until it holds; throws with `what` after `timeoutMs` (a deadline, not an assertion on time). */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
