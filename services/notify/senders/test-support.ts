// Shared by the format and sender tests: one realistic alert (tokenized ids, as alerts hold them)
// and a real HTTP server on 127.0.0.1 that records what it received.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Alert, DestinationWithSecrets } from '../../../libs/contracts/index.js';

export function sampleAlert(overrides: Partial<Alert> = {}): Alert {
  return {
    id: 'alrt_7f3a9c',
    detector: 'bola-enumeration',
    owasp: 'API1:2023',
    severity: 'high',
    principal: 'user:tok_5b1e0f2a',
    app: 'portal-web',
    route: '/fhir/Patient/{id}',
    sourceIps: ['203.0.113.7', '198.51.100.20'],
    firstSeen: '2026-03-02T09:14:05.120Z',
    lastSeen: '2026-03-02T09:19:41.507Z',
    count: 3,
    status: 'open',
    summary: 'user:tok_5b1e0f2a read 46 distinct Patient ids within 300s (baseline 4.2)',
    evidence: {
      pattern: 'distinct_ids',
      confidence: 0.82,
      observed: 46,
      baseline: 4.2,
      threshold: 20,
      windowSeconds: 300,
      method: 'GET',
      patterns: { distinct_ids: 3 },
    },
    confidence: 0.82,
    sampleEventIds: ['ev_01', 'ev_02'],
    version: 1,
    updatedAt: '2026-03-02T09:19:42.000Z',
    ...overrides,
  };
}

export function destination(overrides: Partial<DestinationWithSecrets>): DestinationWithSecrets {
  return {
    id: 'dst_1',
    name: 'soc',
    type: 'webhook',
    url: 'http://127.0.0.1:9/',
    hasSecret: true,
    hasToken: false,
    source: 'api',
    createdAt: '2026-03-01T00:00:00.000Z',
    updatedAt: '2026-03-01T00:00:00.000Z',
    secret: 'whsec_test_0123456789abcdef',
    ...overrides,
  };
}

export const DEPS = { version: '0.1.0', hostname: 'vigil-1.example.org', timeoutMs: 2000 };

export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Stub {
  url: string;
  port: number;
  received: Received[];
  close: () => Promise<void>;
}

/** A real HTTP server; `answer` writes the response for each request (default 204). */
export async function startStub(answer: (req: Received, res: ServerResponse) => void = (_r, res) => res.writeHead(204).end()): Promise<Stub> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(r);
      answer(r, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
