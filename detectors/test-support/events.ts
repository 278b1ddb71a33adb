import type { NormalizedEvent, ObjectRef, Principal } from '../../libs/contracts/index.js';

/** Builds a tokenized event as the normalizer would, for detector tests. */
export function event(over: Partial<NormalizedEvent> & { ts: number; objects?: ObjectRef[] }): NormalizedEvent {
  return {
    eventId: `ev-${over.ts}-${Math.random().toString(16).slice(2, 8)}`,
    source: 'test',
    method: 'GET',
    host: 'api.example.org',
    service: 'fhir',
    route: '/fhir/Patient/{id}',
    pathTokenized: '/fhir/Patient/tok',
    queryKeys: [],
    status: 200,
    requestBytes: 300,
    responseBytes: 2000,
    latencyMs: 12,
    clientIp: '203.0.113.7',
    userAgent: 'test',
    principal: { id: 'user:alice', kind: 'user', scopes: [], authScheme: 'bearer' },
    objects: [],
    ...over,
  };
}

export function patient(n: number, extra: Partial<ObjectRef> = {}): ObjectRef {
  return { type: 'Patient', id: `tok_p${n}`, via: 'path', created: false, seq: n, ...extra };
}

/** Any object reference, e.g. ref('Observation', 'tok_o1', { via: 'query' }); `seq` omitted. */
export function ref(type: string, id: string, extra: Partial<ObjectRef> = {}): ObjectRef {
  return { type, id, via: 'path', created: false, ...extra };
}

/** A bearer-token user principal with the given app and scopes (SMART claims via `over`). */
export function principal(id: string, app: string | undefined, scopes: string[], over: Partial<Principal> = {}): Principal {
  return { id, kind: 'user', ...(app === undefined ? {} : { app }), scopes, authScheme: 'bearer', ...over };
}
