import { describe, expect, it } from 'vitest';
import { filterFromParams, filterToParams, matchesFilter, mergeLive } from './filters.js';
import type { Alert } from './types.js';

const alert = (id: string, over: Partial<Alert> = {}): Alert => ({
  id,
  detector: 'bola/enumeration',
  owasp: 'API1:2023',
  severity: 'high',
  principal: 'user:mallory',
  route: '/fhir/Patient/{id}',
  sourceIps: ['198.51.100.23'],
  firstSeen: '2026-11-02T08:00:00.000Z',
  lastSeen: '2026-11-02T08:30:00.000Z',
  count: 1,
  status: 'open',
  summary: 's',
  evidence: {},
  confidence: 0.5,
  sampleEventIds: [],
  version: 1,
  updatedAt: '2026-11-29T00:00:00.000Z',
  ...over,
});

describe('queue filters', () => {
  it('keeps only known keys and valid sorts from the address, and writes back exactly the API query', () => {
    const f = filterFromParams(new URLSearchParams('status=open&severity=&owasp=API1:2023&sort=bogus&order=asc&x=1'));
    expect(f).toEqual({ status: 'open', owasp: 'API1:2023', order: 'asc' });
    expect(filterToParams(f, { limit: '100' }).toString()).toBe('status=open&owasp=API1%3A2023&order=asc&limit=100');
  });

  it('matches live alerts with the API rules, the time window half-open on lastSeen', () => {
    const a = alert('a');
    expect(matchesFilter(a, { status: 'open', severity: 'high', principal: 'user:mallory' })).toBe(true);
    expect(matchesFilter(a, { status: 'acknowledged' })).toBe(false);
    expect(matchesFilter(a, { since: '2026-11-02T08:30:00.000Z', until: '2026-11-02T08:30:00.001Z' })).toBe(true);
    expect(matchesFilter(a, { until: '2026-11-02T08:30:00.000Z' })).toBe(false);
  });

  it('inserts a new alert in sort order, replaces newer versions in place and drops ones leaving the filter', () => {
    const list = [alert('b', { lastSeen: '2026-11-02T09:00:00.000Z' }), alert('c', { lastSeen: '2026-11-02T07:00:00.000Z' })];
    const added = mergeLive(list, alert('a'), {});
    expect(added.added).toBe(true);
    expect(added.list.map((x) => x.id)).toEqual(['b', 'a', 'c']);
    expect(mergeLive(list, alert('b', { version: 1 }), {}).list).toBe(list);
    expect(mergeLive(list, alert('b', { version: 2, count: 5, lastSeen: '2026-11-02T09:00:00.000Z' }), {}).list.map((x) => [x.id, x.count])).toEqual([['b', 5], ['c', 1]]);
    expect(mergeLive(list, alert('b', { version: 2, status: 'resolved' }), { status: 'open' }).list.map((x) => x.id)).toEqual(['c']);
    expect(mergeLive(list, alert('z', { severity: 'low' }), { severity: 'high' }).added).toBe(false);
  });

  it('orders by count ascending when asked', () => {
    const list = [alert('a', { count: 1 }), alert('b', { count: 9 })];
    expect(mergeLive(list, alert('m', { count: 5 }), { sort: 'count', order: 'asc' }).list.map((x) => x.id)).toEqual(['a', 'm', 'b']);
  });
});
