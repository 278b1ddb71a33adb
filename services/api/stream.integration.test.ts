import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, Finding } from '../../libs/contracts/index.js';
import { makeAlert } from '../../libs/store/test-support/fixtures.js';
import { startHarness, type Harness } from './test-support/harness.js';

/** GET /v1/alerts/stream against the real alert manager: triage and flushed findings reach clients. */
let h: Harness;
const ALERT = 'stream-alert';

beforeAll(async () => {
  h = await startHarness('stream');
  await h.store.upsertAlerts([makeAlert(ALERT)]);
  await h.alerts.load();
});

afterAll(async () => {
  await h.close();
});

/** An open stream, read as text; `until` waits for a substring (the test's own timeout bounds it). */
async function open(headers: Record<string, string>): Promise<{ res: Response; until(needle: string): Promise<string>; close(): Promise<void> }> {
  const ctl = new AbortController();
  const res = await fetch(`${h.base}/v1/alerts/stream`, { headers: { accept: 'text/event-stream', ...headers }, signal: ctl.signal });
  const reader = res.body?.getReader();
  const decoder = new TextDecoder();
  let text = '';
  return {
    res,
    async until(needle) {
      while (!text.includes(needle)) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) throw new Error(`stream ended before ${needle}; got ${text}`);
        text += decoder.decode(chunk.value as Uint8Array, { stream: true });
      }
      return text;
    },
    async close() {
      ctl.abort();
      await reader?.cancel().catch(() => undefined);
    },
  };
}

const eventText = (a: Alert): string => `id: ${a.id}:${a.version}\nevent: alert\ndata: ${JSON.stringify(a)}\n\n`;

describe('GET /v1/alerts/stream', () => {
  it('opens an event stream and sends the exact alert event after a PATCH', async () => {
    const s = await open({ authorization: `Bearer ${h.key.viewer}` });
    expect([s.res.status, s.res.headers.get('content-type'), s.res.headers.get('cache-control')]).toEqual([200, 'text/event-stream; charset=utf-8', 'no-store']);
    expect(await s.until('\n\n')).toBe('retry: 3000\n: connected\n\n');
    const patched = await h.call(`/v1/alerts/${ALERT}`, { as: 'analyst', method: 'PATCH', json: { status: 'acknowledged' } });
    const alert = (await patched.json()) as Alert;
    expect([alert.version, alert.status]).toEqual([2, 'acknowledged']);
    const text = await s.until(`id: ${ALERT}:2\n`);
    expect(text.slice('retry: 3000\n: connected\n\n'.length)).toBe(eventText(alert));
    await s.close();
  });

  it('sends a new alert once the alert manager has flushed the findings', async () => {
    const s = await open({ authorization: `Bearer ${h.key.admin}` });
    await s.until(': connected\n\n');
    const finding: Finding = {
      detector: 'scraping',
      owasp: 'API6:2023',
      severity: 'medium',
      principal: 'user:scraper',
      route: '/fhir/Observation',
      ts: Date.parse('2026-05-01T12:00:00.000Z'),
      eventId: 'ev-stream-1',
      sourceIp: '10.9.9.9',
      summary: 'user:scraper paged through 900 observations',
      evidence: { pages: 900 },
      confidence: 0.7,
    };
    h.alerts.onFindings([finding]);
    await h.alerts.flush();
    const stored = (await h.store.listAlerts({ limit: 10, principal: 'user:scraper' })).alerts;
    expect(stored).toHaveLength(1);
    const [alert] = stored as [Alert];
    const text = await s.until(`id: ${alert.id}:1\n`);
    expect(text).toBe(`retry: 3000\n: connected\n\n${eventText(alert)}`);
    await s.close();
  });

  it('streams to a console session cookie too', async () => {
    const login = await h.call('/v1/session', { as: null, method: 'POST', json: { apiKey: h.key.viewer } });
    const cookie = (login.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
    const s = await open({ cookie });
    expect(s.res.status).toBe(200);
    await s.until(': connected\n\n');
    await s.close();
  });

  it('answers 406 to a client that did not ask for an event stream, and 401 without credentials', async () => {
    const plain = await h.call('/v1/alerts/stream', { as: 'viewer' });
    expect([plain.status, await plain.json()]).toEqual([
      406,
      { error: { code: 'not_acceptable', message: 'this route streams server-sent events: send Accept: text/event-stream' } },
    ]);
    expect((await h.call('/v1/alerts/stream', { as: null, headers: { accept: 'text/event-stream' } })).status).toBe(401);
  });

  it('forgets a client once it disconnects', async () => {
    const s = await open({ authorization: `Bearer ${h.key.viewer}` });
    await s.until(': connected\n\n');
    const before = h.feed.clients();
    await s.close();
    while (h.feed.clients() >= before) await new Promise((r) => setTimeout(r, 10));
    expect(h.feed.clients()).toBe(before - 1);
  });
});
