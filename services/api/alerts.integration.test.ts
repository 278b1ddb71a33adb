import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../libs/contracts/index.js';
import { BASE_MS, makeAlert, makeEvent } from '../../libs/store/test-support/fixtures.js';
import { startHarness, type Harness } from './test-support/harness.js';

let h: Harness;

const iso = (ms: number): string => new Date(ms).toISOString();

beforeAll(async () => {
  h = await startHarness('alerts');
  await h.store.insertEvents([
    makeEvent(1),
    makeEvent(2),
    makeEvent(3, { status: 404, route: '/fhir/Observation/{id}', pathTokenized: '/fhir/Observation/tok_3' }),
  ]);
  // Five alerts, a-1 oldest; the API lists newest (last_seen) first.
  await h.store.upsertAlerts(
    [1, 2, 3, 4, 5].map((n) =>
      makeAlert(`a-${n}`, { lastSeen: iso(BASE_MS + n * 60_000), sampleEventIds: n === 5 ? ['ev-0001', 'ev-0002'] : [] }),
    ),
  );
});

afterAll(async () => {
  await h.close();
});

async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

describe('alerts API', () => {
  it('pages through alerts newest first with the cursor, with no cursor on the last page', async () => {
    const seen: string[][] = [];
    let path = '/v1/alerts?limit=2';
    for (;;) {
      const res = await h.call(path, { as: 'viewer' });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const page = await json<{ alerts: Alert[]; nextCursor?: string }>(res);
      seen.push(page.alerts.map((a) => a.id));
      if (page.nextCursor === undefined) break;
      path = `/v1/alerts?limit=2&cursor=${encodeURIComponent(page.nextCursor)}`;
    }
    expect(seen).toEqual([['a-5', 'a-4'], ['a-3', 'a-2'], ['a-1']]);
  });

  it('answers 400 naming limit when limit is over 1000', async () => {
    const res = await h.call('/v1/alerts?limit=5000', { as: 'viewer' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        code: 'bad_request',
        message: 'limit: Too big: expected number to be <=1000',
        issues: [{ path: ['limit'], message: 'Too big: expected number to be <=1000' }],
      },
    });
  });

  it('answers 400 naming status when the status filter is not a known status', async () => {
    const res = await h.call('/v1/alerts?status=closed', { as: 'viewer' });
    expect(res.status).toBe(400);
    const body = await json<{ error: { code: string; message: string; issues: { path: string[] }[] } }>(res);
    expect(body.error.code).toBe('bad_request');
    expect(body.error.message).toMatch(/^status: /);
    expect(body.error.issues.map((i) => i.path)).toEqual([['status']]);
  });

  it('answers 400 for a cursor that was not made by the server', async () => {
    const res = await h.call('/v1/alerts?cursor=bm90LWEtY3Vyc29y', { as: 'viewer' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: 'bad_request', message: 'invalid cursor' } });
  });

  it('gives one alert with its sample events', async () => {
    const res = await h.call('/v1/alerts/a-5', { as: 'analyst' });
    expect(res.status).toBe(200);
    const body = await json<{ alert: Alert; sampleEvents: { eventId: string; pathTokenized: string }[] }>(res);
    expect(body.alert.id).toBe('a-5');
    expect(body.alert.sampleEventIds).toEqual(['ev-0001', 'ev-0002']);
    expect(body.sampleEvents.map((e) => [e.eventId, e.pathTokenized])).toEqual([
      ['ev-0001', '/fhir/Patient/tok_1'],
      ['ev-0002', '/fhir/Patient/tok_2'],
    ]);
  });

  it('answers 404 for an unknown alert id', async () => {
    const res = await h.call('/v1/alerts/nope', { as: 'analyst' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'alert not found' } });
  });

  it('forbids a viewer to triage', async () => {
    const res = await h.call('/v1/alerts/a-1', { as: 'viewer', method: 'PATCH', json: { status: 'acknowledged' } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    expect((await h.store.getAlert('a-1'))?.status).toBe('open');
  });

  it('lets an analyst triage, and the change shows on the next GET', async () => {
    const res = await h.call('/v1/alerts/a-1', {
      as: 'analyst',
      method: 'PATCH',
      json: { status: 'false_positive', note: 'load test from the QA subnet' },
    });
    expect(res.status).toBe(200);
    const patched = await json<Alert>(res);
    expect([patched.status, patched.note, patched.version]).toEqual(['false_positive', 'load test from the QA subnet', 2]);

    const got = await json<{ alert: Alert }>(await h.call('/v1/alerts/a-1', { as: 'analyst' }));
    expect([got.alert.status, got.alert.note, got.alert.version]).toEqual(['false_positive', 'load test from the QA subnet', 2]);
  });

  it('rejects a patch with an unknown status, an unknown field, or nothing to change', async () => {
    const bad = [{ status: 'closed' }, { status: 'resolved', assignee: 'bob' }, {}];
    const answers = await Promise.all(
      bad.map(async (json) => {
        const res = await h.call('/v1/alerts/a-2', { as: 'analyst', method: 'PATCH', json });
        return [res.status, ((await res.json()) as { error: { message: string } }).error.message];
      }),
    );
    expect(answers).toEqual([
      [400, 'status: Invalid option: expected one of "open"|"acknowledged"|"resolved"|"false_positive"'],
      [400, 'body: Unrecognized key: "assignee"'],
      [400, 'body: give status and/or note'],
    ]);
  });

  it('answers 404 when patching an unknown alert', async () => {
    const res = await h.call('/v1/alerts/nope', { as: 'analyst', method: 'PATCH', json: { note: 'x' } });
    expect(res.status).toBe(404);
  });
});

describe('principals API', () => {
  it('summarises a principal whose id holds a colon, URL-encoded', async () => {
    const res = await h.call(`/v1/principals/${encodeURIComponent('user:alice')}`, { as: 'analyst' });
    expect(res.status).toBe(200);
    const body = await json<{ principal: string; events: number; recentEvents: { eventId: string }[] }>(res);
    expect(body.principal).toBe('user:alice');
    expect(body.events).toBe(3);
    expect(body.recentEvents.map((e) => e.eventId).sort()).toEqual(['ev-0001', 'ev-0002', 'ev-0003']);
  });

  it('answers 404 for a principal never seen', async () => {
    const res = await h.call(`/v1/principals/${encodeURIComponent('ip:192.0.2.7')}`, { as: 'analyst' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'principal not found' } });
  });

});
