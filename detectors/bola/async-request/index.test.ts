import { describe, expect, it } from 'vitest';
import type { NormalizedEvent, Principal } from '../../../libs/contracts/index.js';
import { event, principal, ref } from '../../test-support/events.js';
import { feed } from '../../test-support/rows.js';
import { createAsyncRequestDetector, DEFAULTS } from './index.js';
import { PER_OWNER_CAP } from './state.js';

const T0 = Date.UTC(2026, 10, 2, 1, 0, 0);
const M = 60_000;
const KICK_OFF = '/fhir/Group/{id}/$export';
const STATUS = '/fhir/bulkstatus/{id}';
/** A SMART backend service: client-credentials token, `system/` scopes. */
const client = (name: string): Principal => principal(`app:${name}`, name, ['system/*.read'], { kind: 'app' });
const d = createAsyncRequestDetector();

/** `who` kicks off an export; the 202 names its status URL (libs/objects: created, via location). */
function kickOff(who: Principal, ts: number, job: string): NormalizedEvent {
  return event({ ts, principal: who, route: KICK_OFF, status: 202, objects: [ref('Group', `tok_g_${who.id}`), ref('bulkstatus', job, { via: 'location', created: true })] });
}

function poll(who: Principal, ts: number, job: string, over: Partial<NormalizedEvent> = {}): NormalizedEvent {
  return event({ ts, principal: who, route: STATUS, status: 200, objects: [ref('bulkstatus', job)], ...over });
}

/** Ten clients start two exports each (20 requests of the type) and poll their own until done. */
function routine(): NormalizedEvent[] {
  const out: NormalizedEvent[] = [];
  for (let round = 0; round < 2; round++) {
    for (let c = 0; c < 10; c++) {
      const at = T0 + round * 360 * M + c * M;
      const job = `tok_job_${c}_${round}`;
      out.push(kickOff(client(`c${c}`), at, job), poll(client(`c${c}`), at + 20_000, job, { status: 202 }), poll(client(`c${c}`), at + 40_000, job));
    }
  }
  return out;
}

describe('bola/async-request', () => {
  it("flags a backend service reading the status of another client's export, once the type is known", () => {
    const state = d.createState();
    expect(feed(d, state, routine())).toEqual([]);
    const thief = client('c9');
    const read = poll(thief, T0 + 800 * M, 'tok_job_0_1', { eventId: 'ev-theft', clientIp: '198.51.100.9' });
    expect(d.detect(read, state)).toEqual([
      {
        detector: 'bola/async-request',
        owasp: 'API1:2023',
        severity: 'high',
        principal: 'app:c9',
        app: 'c9',
        route: STATUS,
        ts: T0 + 800 * M,
        eventId: 'ev-theft',
        sourceIp: '198.51.100.9',
        summary: `app:c9 read the bulkstatus of an asynchronous request that app:c0 started (${KICK_OFF} at ${new Date(T0 + 360 * M).toISOString()}) and the API answered 200`,
        confidence: 0.9,
        evidence: {
          pattern: 'foreign_async_request',
          confidence: 0.9,
          observed: { type: 'bulkstatus', id: 'tok_job_0_1', method: 'GET', status: 200 },
          baseline: { startedBy: 'app:c0', startedAt: new Date(T0 + 360 * M).toISOString(), startedOn: KICK_OFF, typeRequests: 20, typeSharedRate: 0 },
          window: 'single request',
        },
      },
    ]);
    // Polling it while it runs (202) is a read too; cancelling it (DELETE, 202 or 204) is worse.
    const running = d.detect(poll(thief, T0 + 801 * M, 'tok_job_1_1', { status: 202 }), state);
    const cancelled = d.detect(poll(thief, T0 + 802 * M, 'tok_job_2_1', { method: 'DELETE', status: 202 }), state);
    const deleted = d.detect(poll(thief, T0 + 803 * M, 'tok_job_3_1', { method: 'DELETE', status: 204 }), state);
    expect([...running, ...cancelled, ...deleted].map((f) => [f.severity, f.summary.split(' ').slice(0, 2).join(' '), f.evidence.baseline])).toEqual([
      ['high', 'app:c9 read', expect.objectContaining({ startedBy: 'app:c1' })],
      ['critical', 'app:c9 cancelled', expect.objectContaining({ startedBy: 'app:c2' })],
      ['critical', 'app:c9 cancelled', expect.objectContaining({ startedBy: 'app:c3' })],
    ]);
  });

  it('judges nothing before a type has minRequests requests; what it saw meanwhile counts as sharing', () => {
    const state = d.createState();
    const events = routine().slice(0, 3 * (DEFAULTS.minRequests - 1));
    feed(d, state, events);
    // Request 19 of the type: another client's read is not judged, and the job counts as shared.
    expect(d.detect(poll(client('c5'), T0 + 700 * M, 'tok_job_0_0'), state)).toEqual([]);
    expect(d.detect(poll(client('c5'), T0 + 701 * M, 'tok_job_0_0'), state)).toEqual([]);
    expect(state.tallies.peek('bulkstatus')).toEqual({ type: 'bulkstatus', requests: 19, shared: 1, lastTs: T0 + 701 * M });
    // The 20th request: judged from now on, at a shared rate of 1/20 (5 %, the limit): flagged, less sure.
    d.detect(kickOff(client('c9'), T0 + 702 * M, 'tok_job_9_1'), state);
    const f = d.detect(poll(client('c5'), T0 + 703 * M, 'tok_job_1_0'), state);
    expect(f.map((x) => [x.principal, x.confidence, x.evidence.baseline])).toEqual([
      ['app:c5', 0.8, { startedBy: 'app:c1', startedAt: new Date(T0 + M).toISOString(), startedOn: KICK_OFF, typeRequests: 20, typeSharedRate: 0.05 }],
    ]);
  });

  it('learns a type that clients share (one starts, another polls) and stays silent on it', () => {
    const state = d.createState();
    const events: NormalizedEvent[] = [];
    for (let k = 0; k < 30; k++) {
      const job = `tok_report_${k}`;
      events.push(kickOff(client('scheduler'), T0 + k * 10 * M, job), poll(client(k % 3 === 0 ? 'worker' : 'scheduler'), T0 + k * 10 * M + 30_000, job));
    }
    expect(feed(d, state, events)).toEqual([]);
    expect(state.tallies.peek('bulkstatus')).toMatchObject({ requests: 30, shared: 10 });
  });

  it("never flags the owner's own polling, refused requests, addresses, or a retried kick-off as two requests", () => {
    const state = d.createState();
    feed(d, state, routine());
    expect(d.detect(poll(client('c0'), T0 + 900 * M, 'tok_job_0_1'), state)).toEqual([]);
    expect(d.detect(poll(client('c9'), T0 + 900 * M, 'tok_job_0_1', { status: 404 }), state)).toEqual([]);
    expect(d.detect(poll(client('c9'), T0 + 900 * M, 'tok_job_0_1', { status: 403 }), state)).toEqual([]);
    const ip: Principal = { id: 'ip:203.0.113.7', kind: 'ip', scopes: [], authScheme: 'none' };
    expect(d.detect(poll(ip, T0 + 900 * M, 'tok_job_0_1'), state)).toEqual([]);
    d.detect(kickOff(client('c0'), T0 + 901 * M, 'tok_job_0_1'), state);
    expect(state.tallies.peek('bulkstatus')?.requests).toBe(20);
  });

  it(`remembers the latest ${PER_OWNER_CAP} requests of each owner`, () => {
    const state = d.createState();
    const owner = client('busy');
    for (let k = 0; k <= PER_OWNER_CAP; k++) d.detect(kickOff(owner, T0 + k * M, `tok_b${k}`), state);
    expect(state.owners.peek('app:busy')?.length).toBe(PER_OWNER_CAP);
    expect(state.jobs.peek('bulkstatus', 'tok_b0')).toBeUndefined();
    expect(state.jobs.peek('bulkstatus', `tok_b${PER_OWNER_CAP}`)).toMatchObject({ owner: 'app:busy', ts: T0 + PER_OWNER_CAP * M });
  });
});
