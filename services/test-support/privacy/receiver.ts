import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request exactly as a SIEM endpoint received it: nothing parsed away, so nothing can hide. */
export interface Capture {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface CapturingReceiver {
  url: string;
  captures: Capture[];
  close(): Promise<void>;
}

/**
 * A real HTTP endpoint on 127.0.0.1 that records every request whole (method, URL, headers, body)
 * and accepts it: 200 with a Splunk HEC success reply, which webhook and OCSF senders also take as
 * delivered. Signature checks are services/notify's tests' business; this one only collects bytes.
 */
export async function startCapturingReceiver(path: string): Promise<CapturingReceiver> {
  const captures: Capture[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : String(value ?? '');
      captures.push({ method: req.method ?? '', url: req.url ?? '', headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"text":"Success","code":0}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    captures,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
