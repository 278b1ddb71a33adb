import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOTIFY_DEFAULTS, type Delivery, type Destination } from '../../libs/contracts/index.js';
import { makeAlert } from '../../libs/store/test-support/fixtures.js';
import { startNotifyApi, type NotifyApiHarness } from './test-support/api.js';
import { startReceiver, type Receiver } from './test-support/receiver.js';

// Real API, real store, real senders and SSRF guard, real receivers on 127.0.0.1; the worker runs
// one poll at a time on an injected clock, so retry timing is exact and nothing sleeps.
const SECRET = 'whsec_api_test_0123456789abcdef';
const T0 = Date.parse('2026-11-29T08:00:00.000Z');
let t = T0;
let h: NotifyApiHarness;
let gitops: Receiver;
let rx: Receiver;

beforeAll(async () => {
  gitops = await startReceiver(SECRET);
  rx = await startReceiver(SECRET);
  h = await startNotifyApi(
    'api',
    {
      ...NOTIFY_DEFAULTS,
      maxAttempts: 3,
      destinations: [{ id: 'gitops', name: 'declared in git', type: 'webhook', url: gitops.url, secret: SECRET, allowPrivateNetwork: true }],
    },
    { now: () => t, random: () => 0.5 },
  );
});
afterAll(async () => {
  await h.close();
  await gitops.close();
  await rx.close();
});

async function json<T>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  expect({ status: res.status, text }).toMatchObject({ status });
  return JSON.parse(text) as T;
}

async function create(body: Record<string, unknown>): Promise<Destination> {
  return json<Destination>(await h.call('/v1/destinations', { method: 'POST', json: { type: 'webhook', secret: SECRET, allowPrivateNetwork: true, url: rx.url, ...body } }), 201);
}

const errorOf = async (res: Response): Promise<{ status: number; code: string; message: string }> => {
  const body = (await res.json()) as { error: { code: string; message: string } };
  return { status: res.status, ...body.error };
};

async function deliveries(query: string): Promise<Delivery[]> {
  return (await json<{ deliveries: Delivery[] }>(await h.call(`/v1/deliveries?${query}`), 200)).deliveries;
}

describe('destinations API', () => {
  it('is for admins only', async () => {
    expect((await h.call('/v1/destinations', { as: 'analyst' })).status).toBe(403);
    expect((await h.call('/v1/deliveries', { as: 'viewer' })).status).toBe(403);
  });

  it('never returns a secret or token, only whether one is set', async () => {
    const d = await create({ name: 'soc webhook' });
    expect(d).toMatchObject({ name: 'soc webhook', type: 'webhook', hasSecret: true, hasToken: false, source: 'api', allowPrivateNetwork: true });
    expect(d.id).toMatch(/^dst_[0-9a-f]{16}$/);
    expect('secret' in d).toBe(false);
    const hec = await json<Destination>(
      await h.call('/v1/destinations', { method: 'POST', json: { name: 'splunk', type: 'splunk-hec', url: 'http://127.0.0.1:1/services/collector/event', token: 'hec-token-1234', allowPrivateNetwork: true } }),
      201,
    );
    expect([hec.hasToken, 'token' in hec]).toEqual([true, false]);
    const patched = await h.call(`/v1/destinations/${hec.id}`, { method: 'PATCH', json: { token: 'hec-token-5678' } });
    const listed = await h.call('/v1/destinations');
    for (const text of [await patched.text(), await listed.text()]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('hec-token');
    }
    const all = (await json<{ destinations: Destination[] }>(await h.call('/v1/destinations'), 200)).destinations;
    expect(all.map((x) => [x.id, x.source]).sort()).toEqual(
      [
        ['gitops', 'config'],
        [d.id, 'api'],
        [hec.id, 'api'],
      ].sort(),
    );
    expect(all.find((x) => x.id === 'gitops')).toMatchObject({ hasSecret: true, name: 'declared in git' });
    for (const x of [d, hec]) expect((await h.call(`/v1/destinations/${x.id}`, { method: 'DELETE' })).status).toBe(204);
  });

  it('requires the credential each type signs or authenticates with', async () => {
    const noSecret = await h.call('/v1/destinations', { method: 'POST', json: { name: 'x', type: 'ocsf', url: rx.url, allowPrivateNetwork: true } });
    expect(await errorOf(noSecret)).toEqual({ status: 400, code: 'bad_request', message: 'destination "x" (ocsf) needs a secret (16+ characters): its deliveries are signed with it' });
    const noToken = await h.call('/v1/destinations', { method: 'POST', json: { name: 'y', type: 'splunk-hec', url: rx.url, allowPrivateNetwork: true } });
    expect(await errorOf(noToken)).toEqual({ status: 400, code: 'bad_request', message: 'destination "y" (splunk-hec) needs a token (the HEC token)' });
    const tooShort = await h.call('/v1/destinations', { method: 'POST', json: { name: 'z', type: 'webhook', url: rx.url, secret: 'short' } });
    expect((await errorOf(tooShort)).status).toBe(400);
  });

  it('refuses loopback and link-local URLs unless allowPrivateNetwork, with the reason', async () => {
    const loop = await errorOf(await h.call('/v1/destinations', { method: 'POST', json: { name: 'l', type: 'webhook', url: 'http://127.0.0.1:8080/admin', secret: SECRET } }));
    expect(loop).toMatchObject({ status: 400, code: 'bad_request' });
    expect(loop.message).toContain('url refused: destination 127.0.0.1 is a loopback address; set allowPrivateNetwork');
    const meta = await errorOf(await h.call('/v1/destinations', { method: 'POST', json: { name: 'm', type: 'webhook', url: 'http://169.254.169.254/latest/meta-data/', secret: SECRET } }));
    expect(meta).toMatchObject({ status: 400, code: 'bad_request' });
    expect(meta.message).toContain('169.254.169.254 is a link-local address');
    const d = await create({ name: 'private ok' });
    const patched = await errorOf(await h.call(`/v1/destinations/${d.id}`, { method: 'PATCH', json: { allowPrivateNetwork: false } }));
    expect(patched.message).toContain('loopback');
    const scheme = await errorOf(await h.call('/v1/destinations', { method: 'POST', json: { name: 's', type: 'cef-syslog', url: rx.url, allowPrivateNetwork: true } }));
    expect(scheme.message).toContain('scheme http: is not allowed here');
    await h.call(`/v1/destinations/${d.id}`, { method: 'DELETE' });
  });

  it('keeps destinations from the config file read-only', async () => {
    const patch = await errorOf(await h.call('/v1/destinations/gitops', { method: 'PATCH', json: { name: 'renamed' } }));
    expect(patch).toEqual({
      status: 409,
      code: 'conflict',
      message: 'destination gitops is declared in the config file (notify.destinations); change or remove it there, it is read-only through the API',
    });
    expect((await errorOf(await h.call('/v1/destinations/gitops', { method: 'DELETE' }))).status).toBe(409);
    expect((await errorOf(await h.call('/v1/destinations/nope', { method: 'DELETE' }))).status).toBe(404);
  });

  it('sends a test alert through the real sender, reports the outcome, and enqueues nothing', async () => {
    const d = await create({ name: 'test me' });
    const ok = await json<{ idempotencyKey: string; outcome: { kind: string; status?: number } }>(await h.call(`/v1/destinations/${d.id}/test`, { method: 'POST' }), 200);
    expect(ok.outcome).toEqual({ kind: 'delivered', status: 200 });
    const got = rx.receipts.at(-1);
    expect([got?.idempotencyKey, got?.signatureValid, got?.body.alert?.id.startsWith('alr_test_')]).toEqual([ok.idempotencyKey, true, true]);
    rx.answer = () => ({ status: 401 });
    const refused = await json<{ outcome: { kind: string; status?: number } }>(await h.call(`/v1/destinations/${d.id}/test`, { method: 'POST' }), 200);
    expect(refused.outcome).toMatchObject({ kind: 'failed', status: 401 });
    rx.answer = () => ({ status: 200 });
    expect(await deliveries(`destination=${d.id}`)).toEqual([]);
    await h.call(`/v1/destinations/${d.id}`, { method: 'DELETE' });
  });
});

describe('deliveries', () => {
  it('respects each destination’s filters', async () => {
    const crit = await create({ name: 'critical only', minSeverity: 'critical' });
    const bfla = await create({ name: 'bfla only', detectors: ['bfla'] });
    await h.notifier.outbox.enqueue([
      makeAlert('alr_f1', { severity: 'high', detector: 'bola/enumeration', updatedAt: new Date(t).toISOString() }),
      makeAlert('alr_f2', { severity: 'critical', detector: 'bola/enumeration', updatedAt: new Date(t).toISOString() }),
      makeAlert('alr_f3', { severity: 'high', detector: 'bfla', updatedAt: new Date(t).toISOString() }),
    ]);
    expect((await deliveries(`destination=${crit.id}`)).map((d) => d.idempotencyKey)).toEqual(['alr_f2:1']);
    expect((await deliveries(`destination=${bfla.id}`)).map((d) => d.idempotencyKey)).toEqual(['alr_f3:1']);
    expect((await deliveries('destination=gitops')).map((d) => d.idempotencyKey).sort()).toEqual(['alr_f1:1', 'alr_f2:1', 'alr_f3:1']);
    await h.notifier.worker.runOnce();
    await h.notifier.worker.runOnce();
    expect(await deliveries('status=pending')).toEqual([]);
    expect(gitops.accepted().sort()).toEqual(['alr_f1:1', 'alr_f2:1', 'alr_f3:1']);
    for (const d of [crit, bfla]) await h.call(`/v1/destinations/${d.id}`, { method: 'DELETE' });
  });

  it('marks a 4xx failed at once and waits exactly for Retry-After on a 503', async () => {
    const busyRx = await startReceiver(SECRET);
    const d4 = await create({ name: 'rejects' });
    const d5 = await create({ name: 'busy', url: busyRx.url });
    rx.answer = () => ({ status: 400 });
    busyRx.answer = () => ({ status: 503, headers: { 'Retry-After': '120' } });
    await h.notifier.outbox.enqueue([makeAlert('alr_r1', { updatedAt: new Date(t).toISOString() })]);
    await h.notifier.worker.runOnce();
    const [rejected] = await deliveries(`destination=${d4.id}`);
    expect(rejected).toMatchObject({ status: 'failed', attempts: 1, lastStatus: 400, lastError: 'HTTP 400: busy' });
    const [busy] = await deliveries(`destination=${d5.id}`);
    expect(busy).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 503, nextAttemptAt: new Date(T0 + 120_000).toISOString() });
    busyRx.answer = () => ({ status: 200 });
    t = T0 + 119_999;
    await h.notifier.worker.runOnce();
    expect(busyRx.receipts.map((r) => r.status)).toEqual([503]);
    t = T0 + 120_000;
    await h.notifier.worker.runOnce();
    expect(await deliveries(`destination=${d5.id}`)).toMatchObject([{ status: 'delivered', attempts: 2, lastStatus: 200 }]);
    expect(busyRx.receipts.map((r) => [r.idempotencyKey, r.status])).toEqual([
      ['alr_r1:1', 503],
      ['alr_r1:1', 200],
    ]);
    expect(rx.receipts.filter((r) => r.idempotencyKey === 'alr_r1:1').map((r) => r.status)).toEqual([400]);
    for (const d of [d4, d5]) await h.call(`/v1/destinations/${d.id}`, { method: 'DELETE' });
    rx.answer = () => ({ status: 200 });
    await busyRx.close();
  });

  it('fails a delivery after the cap, shows it as failed, and delivers it on manual retry', async () => {
    const down = await create({ name: 'down' });
    rx.answer = () => ({ status: 503 });
    await h.notifier.outbox.enqueue([makeAlert('alr_cap', { updatedAt: new Date(t).toISOString() })]);
    for (let i = 0; i < 3; i++) {
      t += 60_000;
      await h.notifier.worker.runOnce();
    }
    const [failed] = await deliveries(`status=failed&destination=${down.id}`);
    expect(failed).toMatchObject({ idempotencyKey: 'alr_cap:1', status: 'failed', attempts: 3, lastStatus: 503, lastError: 'HTTP 503: busy (gave up after 3 attempts)' });
    t += 60_000;
    await h.notifier.worker.runOnce();
    expect(rx.receipts.filter((r) => r.idempotencyKey === 'alr_cap:1').length).toBe(3);

    rx.answer = () => ({ status: 200 });
    const retried = await json<Delivery>(await h.call(`/v1/deliveries/${failed?.id ?? ''}/retry`, { method: 'POST' }), 200);
    expect(retried).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: new Date(t).toISOString() });
    expect('alert' in retried || 'rev' in retried).toBe(false);
    await h.notifier.worker.runOnce();
    expect(await deliveries(`status=delivered&destination=${down.id}`)).toMatchObject([{ idempotencyKey: 'alr_cap:1', attempts: 1, lastStatus: 200 }]);
    expect(await errorOf(await h.call(`/v1/deliveries/${failed?.id ?? ''}/retry`, { method: 'POST' }))).toEqual({
      status: 409,
      code: 'conflict',
      message: 'only failed deliveries can be retried; this one is delivered',
    });
    expect((await h.call('/v1/deliveries/dlv_nope/retry', { method: 'POST' })).status).toBe(404);
    expect((await h.call('/v1/deliveries?status=lost')).status).toBe(400);
  });

  it('exports delivery metrics by destination and outcome, queue depth and oldest pending age', async () => {
    const text = await (await h.call('/metrics', { as: 'viewer' })).text();
    expect(text).toContain('vigil_deliveries_total{destination="gitops",outcome="delivered"} 5');
    expect(text).toMatch(/vigil_deliveries_total\{destination="dst_[0-9a-f]{16}",outcome="failed"\} 1/);
    expect(text).toContain('# TYPE vigil_delivery_queue_depth gauge');
    expect(await deliveries('status=pending')).toEqual([]);
    await h.notifier.outbox.enqueue([makeAlert('alr_q1', { updatedAt: new Date(t).toISOString() }), makeAlert('alr_q2', { updatedAt: new Date(t).toISOString() })]);
    t += 90_000;
    const later = await (await h.call('/metrics', { as: 'viewer' })).text();
    expect(later).toContain('vigil_delivery_queue_depth{destination="gitops"} 2');
    expect(later).toContain('vigil_delivery_oldest_pending_seconds{destination="gitops"} 90');
  });
});
