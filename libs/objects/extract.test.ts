import { describe, expect, it } from 'vitest';
import type { ApiEvent } from '../contracts/index.js';
import { createTokenizer } from '../privacy/index.js';
import { createRouteTemplater } from '../routes/index.js';
import { extractObjects, objectKey } from './extract.js';
import { queryPairs } from './query.js';

const tokenizer = createTokenizer(Buffer.alloc(32, 3));
const tok = (type: string, id: string): string => tokenizer.token(type, id);

function run(over: Partial<ApiEvent>) {
  const ev: ApiEvent = { time: '2026-11-01T10:00:00Z', method: 'GET', path: '/', status: 200, requestHeaders: {}, responseHeaders: {}, clientIp: '10.0.0.1', ...over };
  return extractObjects(ev, createRouteTemplater().template('svc', ev.path), tokenizer);
}

describe('extractObjects: path ids', () => {
  it('types each path id by the literal segment before it and tokenizes the path', () => {
    expect(run({ path: '/api/v1/users/42/orders/7' })).toEqual({
      objects: [
        { type: 'users', id: tok('users', '42'), via: 'path', created: false, seq: 42 },
        { type: 'orders', id: tok('orders', '7'), via: 'path', created: false, seq: 7 },
      ],
      pathTokenized: `/api/v1/users/${tok('users', '42')}/orders/${tok('orders', '7')}`,
      queryKeys: [],
    });
  });

  it('records a FHIR read with its version once, and tokenizes the version id in the path', () => {
    const r = run({ path: '/fhir/Patient/123/_history/2' });
    expect(r.objects).toEqual([{ type: 'Patient', id: tok('Patient', '123'), via: 'path', created: false, seq: 123 }]);
    expect(r.pathTokenized).toBe(`/fhir/Patient/${tok('Patient', '123')}/_history/${tok('_history', '2')}`);
  });

  it('omits seq for ids that are not plain safe integers, and decodes percent-encoding before tokenizing', () => {
    const r = run({ path: '/fhir/Patient/pat-0001/$everything' });
    expect(r.objects).toEqual([{ type: 'Patient', id: tok('Patient', 'pat-0001'), via: 'path', created: false }]);
    expect(run({ path: '/users/alice%40example.com' }).objects[0]?.id).toBe(tok('users', 'alice@example.com'));
    expect(run({ path: '/items/99999999999999999' }).objects[0]?.seq).toBeUndefined();
  });

  it('leaves a path without ids as it is', () => {
    expect(run({ path: '/fhir/metadata' })).toEqual({ objects: [], pathTokenized: '/fhir/metadata', queryKeys: [] });
  });
});

describe('extractObjects: FHIR search parameters', () => {
  it('reads bare ids, typed references, absolute URLs and comma-separated lists', () => {
    const r = run({ path: '/fhir/Observation', query: 'patient=123&subject=Patient%2F456&encounter=7,8&_count=10&patient=https%3A%2F%2Fh%2Ffhir%2FPatient%2F9' });
    expect(r.objects).toEqual([
      { type: 'Patient', id: tok('Patient', '123'), via: 'query', created: false, seq: 123 },
      { type: 'Patient', id: tok('Patient', '456'), via: 'reference', created: false, seq: 456 },
      { type: 'Encounter', id: tok('Encounter', '7'), via: 'query', created: false, seq: 7 },
      { type: 'Encounter', id: tok('Encounter', '8'), via: 'query', created: false, seq: 8 },
      { type: 'Patient', id: tok('Patient', '9'), via: 'reference', created: false, seq: 9 },
    ]);
    expect(r.queryKeys).toEqual(['_count', 'encounter', 'patient', 'subject']);
  });

  it('types _id by the resource type being searched', () => {
    expect(run({ path: '/fhir/Observation', query: '_id=5' }).objects).toEqual([
      { type: 'Observation', id: tok('Observation', '5'), via: 'query', created: false, seq: 5 },
    ]);
    expect(run({ path: '/fhir/Observation/_search', query: '_id=abc' }).objects[0]?.type).toBe('Observation');
  });

  it('uses a type modifier, and ignores bare ids of multi-type parameters and chained parameters', () => {
    const r = run({ path: '/fhir/Observation', query: 'subject:Group=g1&performer=77&performer=Practitioner/8&patient.name=smith' });
    expect(r.objects).toEqual([
      { type: 'Group', id: tok('Group', 'g1'), via: 'query', created: false },
      { type: 'Practitioner', id: tok('Practitioner', '8'), via: 'reference', created: false, seq: 8 },
    ]);
  });

  it('deduplicates identical refs but keeps the same object seen via path and query', () => {
    const r = run({ path: '/fhir/Patient/1/Observation', query: 'patient=1&patient=1' });
    expect(r.objects.map((o) => `${o.type}:${o.via}`)).toEqual(['Patient:path', 'Patient:query']);
    expect(r.objects[0]?.id).toBe(r.objects[1]?.id);
  });

  it('deduplicates and keeps first-seen order past 16 objects, where a keyed set takes over from the scan', () => {
    const ids = Array.from({ length: 20 }, (_, i) => String(i + 1));
    const r = run({ path: '/fhir/Observation', query: `_id=${ids.join(',')},1,17,20&_id=2` });
    expect(r.objects).toEqual(ids.map((id) => ({ type: 'Observation', id: tok('Observation', id), via: 'query', created: false, seq: Number(id) })));
  });

  it('deduplicates and sorts query names past 16 of them, where a set takes over from the scan', () => {
    const names = Array.from({ length: 20 }, (_, i) => `p${String.fromCharCode(116 - i)}`);
    const query = [...names, 'pt', 'pa', 'pb'].map((n) => `${n}=1`).join('&');
    expect(run({ path: '/search', query }).queryKeys).toEqual([...names].sort());
    expect(run({ path: '/search', query: 'b=1&a=2&b=3&c=4' }).queryKeys).toEqual(['a', 'b', 'c']);
  });

  it('sorts up to 16 query names as Array.prototype.sort does (UTF-16 code units), whatever their order', () => {
    const pool = ['patient', 'Patient', '_count', '_id', 'subject:Patient', 'a', 'ab', 'Z', 'é', 'e', 'date', '_sort', 'code', '%C3%A9x', 'x_y', '1'];
    let seed = 5;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed;
    };
    for (let round = 0; round < 200; round++) {
      const names = Array.from({ length: 1 + (next() % 16) }, () => pool[next() % pool.length] as string);
      const keys = run({ path: '/search', query: names.map((n) => `${n}=1`).join('&') }).queryKeys;
      expect(keys).toEqual([...new Set(keys)].sort());
      expect(keys.length).toBe(new Set(names.map((n) => decodeURIComponent(n))).size);
    }
  });

  it('gives the same result from the caller-supplied query split as from its own', () => {
    const ev: ApiEvent = { time: '2026-11-01T10:00:00Z', method: 'GET', path: '/fhir/Observation', query: 'patient=7&_count=5&subject=Patient/8', status: 200, requestHeaders: {}, responseHeaders: {}, clientIp: '10.0.0.1' };
    const route = createRouteTemplater().template('svc', ev.path);
    expect(extractObjects(ev, route, tokenizer, queryPairs(ev.query ?? ''))).toEqual(extractObjects(ev, route, tokenizer));
    expect(extractObjects(ev, route, tokenizer, queryPairs(ev.query ?? '')).queryKeys).toEqual(['_count', 'patient', 'subject']);
  });

  it('hides id-like query parameter names', () => {
    expect(run({ path: '/search', query: 'alice@example.com&q=x' }).queryKeys).toEqual(['q', '{id}']);
  });
});

describe('extractObjects: Location of created objects', () => {
  it('marks the object named by a 201 Location as created, dropping the version', () => {
    const r = run({ method: 'POST', path: '/fhir/Patient', status: 201, responseHeaders: { location: 'https://h/fhir/Patient/123/_history/1' } });
    expect(r.objects).toEqual([{ type: 'Patient', id: tok('Patient', '123'), via: 'location', created: true, seq: 123 }]);
  });

  it('reads relative Location paths of non-FHIR APIs', () => {
    const r = run({ method: 'POST', path: '/api/orders', status: 201, responseHeaders: { location: '/api/orders/9' } });
    expect(r.objects).toEqual([{ type: 'orders', id: tok('orders', '9'), via: 'location', created: true, seq: 9 }]);
  });

  it('marks the status URL of a 202 as created: an asynchronous request the caller started', () => {
    const job = 'b0e1c2d3-0000-4000-a000-000000000001';
    const kickOff = { path: '/fhir/Group/g1/$export', status: 202 };
    expect(run({ ...kickOff, responseHeaders: { 'content-location': `https://h/fhir/bulkstatus/${job}` } }).objects).toEqual([
      { type: 'Group', id: tok('Group', 'g1'), via: 'path', created: false },
      { type: 'bulkstatus', id: tok('bulkstatus', job), via: 'location', created: true },
    ]);
    // Other APIs name it in Location or Operation-Location; Content-Location wins when there are several.
    expect(run({ method: 'POST', path: '/api/reports', status: 202, responseHeaders: { location: '/api/jobs/77' } }).objects).toEqual([
      { type: 'jobs', id: tok('jobs', '77'), via: 'location', created: true, seq: 77 },
    ]);
    expect(run({ method: 'POST', path: '/api/reports', status: 202, responseHeaders: { 'operation-location': '/api/operations/op-1' } }).objects).toEqual([
      { type: 'operations', id: tok('operations', 'op-1'), via: 'location', created: true },
    ]);
    expect(run({ method: 'POST', path: '/api/reports', status: 202, responseHeaders: { 'content-location': '/api/jobs/8', location: '/api/jobs/9' } }).objects).toEqual([
      { type: 'jobs', id: tok('jobs', '8'), via: 'location', created: true, seq: 8 },
    ]);
    expect(run({ method: 'POST', path: '/api/reports', status: 202 }).objects).toEqual([]);
  });

  it('ignores Location on responses other than 201 and 202', () => {
    expect(run({ path: '/login', status: 302, responseHeaders: { location: '/home/1' } }).objects).toEqual([]);
  });
});

describe('objectKey', () => {
  it('leads with the type length so a NUL in a type or id cannot make two objects one key', () => {
    expect(objectKey('Patient', '123', 'path')).toBe('7:Patient\u0000123\u0000path');
    expect(objectKey('a\0b', 'c', 'query')).toBe('3:a\u0000b\u0000c\u0000query');
    expect(objectKey('a', 'b\0c', 'query')).toBe('1:a\u0000b\u0000c\u0000query');
  });
});
