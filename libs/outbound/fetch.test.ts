import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutboundFetch } from './fetch.js';
import { startServer, type TestServer } from './test-support.js';

describe('createOutboundFetch (a fetch for jose and OIDC discovery, through the guarded client)', () => {
  let idp: TestServer;
  let elsewhere: TestServer;
  beforeAll(async () => {
    elsewhere = await startServer((_req, res) => res.end('{}'));
    idp = await startServer((req, res) => {
      if (req.url === '/jwks') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: [], accept: req.headers.accept ?? '' }));
      } else if (req.url === '/moved') {
        res.statusCode = 302;
        res.setHeader('location', `http://127.0.0.1:${elsewhere.port}/jwks`);
        res.end();
      } else {
        res.end('x'.repeat(2048));
      }
    });
  });
  afterAll(async () => {
    await idp.close();
    await elsewhere.close();
  });

  it('answers a Response with the status, headers and body, passing request headers on', async () => {
    const f = createOutboundFetch({ timeoutMs: 2000, allowPrivateNetwork: true });
    const res = await f(`http://127.0.0.1:${idp.port}/jwks`, { headers: { accept: 'application/json' } });
    expect([res.status, res.headers.get('content-type'), await res.json()]).toEqual([200, 'application/json', { keys: [], accept: 'application/json' }]);
  });

  it('returns a redirect as is and never follows it', async () => {
    const f = createOutboundFetch({ timeoutMs: 2000, allowPrivateNetwork: true });
    const res = await f(`http://127.0.0.1:${idp.port}/moved`);
    expect(res.status).toBe(302);
    expect(elsewhere.hits()).toBe(0);
  });

  it('refuses a body over the cap rather than handing on a cut document', async () => {
    const f = createOutboundFetch({ timeoutMs: 2000, allowPrivateNetwork: true, maxResponseBytes: 1024 });
    await expect(f(`http://127.0.0.1:${idp.port}/big`)).rejects.toThrow(`http://127.0.0.1:${idp.port} answered more than 1024 bytes`);
  });

  it('applies the address policy: loopback is refused unless allowed', async () => {
    const f = createOutboundFetch({ timeoutMs: 2000 });
    const before = idp.hits();
    await expect(f(`http://127.0.0.1:${idp.port}/jwks`)).rejects.toMatchObject({ code: 'destination_refused' });
    expect(idp.hits()).toBe(before);
  });
});
