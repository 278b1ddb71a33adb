import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NormalizedEventSchema, type ApiEvent, type Config } from '../../libs/contracts/index.js';
import { createTokenizer } from '../../libs/privacy/index.js';
import { createRouteTemplater } from '../../libs/routes/index.js';
import { toEventRow } from '../../libs/store/event-rows.js';
import { createNormalizer, eventIdFor } from './normalize.js';

const identity: Config['identity'] = {
  userHeaders: ['x-authenticated-userid', 'x-user-id'],
  apiKeyHeaders: ['apikey', 'x-api-key'],
  userFields: ['user_id'],
};
const tokenizer = createTokenizer(Buffer.alloc(32, 5));

const PATIENT_ID = '8675309';
const OTHER_PATIENT = 'pat-4471';
const API_KEY = 'pk_live_Zq81mXr4';
const jwtPayload = Buffer.from(
  JSON.stringify({ iss: 'https://idp.example.org', sub: 'alice', client_id: 'ehr-web', scope: 'patient/*.read', patient: PATIENT_ID, fhirUser: `Patient/${PATIENT_ID}` }),
).toString('base64url');
const JWT = `eyJhbGciOiJSUzI1NiJ9.${jwtPayload}.c2lnbmF0dXJlLXNpZ25hdHVyZQ`;

function event(over: Partial<ApiEvent> = {}): ApiEvent {
  return {
    time: '2026-11-01T10:00:00.123Z',
    method: 'get',
    host: 'ehr.example.org',
    service: 'fhir-api',
    path: `/fhir/Patient/${PATIENT_ID}/_history/3`,
    query: `_count=10&subject=Patient%2F${OTHER_PATIENT}`,
    status: 200,
    requestHeaders: { authorization: `Bearer ${JWT}`, 'user-agent': 'curl/8.4', 'x-api-key': API_KEY },
    responseHeaders: {},
    requestBytes: 120,
    responseBytes: 2048,
    latencyMs: 12.5,
    clientIp: '10.1.2.3',
    ...over,
  };
}

const normalize = () => createNormalizer({ identity }, { tokenizer, templater: createRouteTemplater() });

describe('createNormalizer', () => {
  it('produces a schema-valid event with the route, tokens, principal and defaults filled in', () => {
    const n = normalize()(event(), { eventId: 'e1', source: 'kong' });
    expect(NormalizedEventSchema.parse(n)).toEqual(n);
    expect(n).toMatchObject({
      eventId: 'e1',
      ts: Date.parse('2026-11-01T10:00:00.123Z'),
      source: 'kong',
      method: 'GET',
      host: 'ehr.example.org',
      service: 'fhir-api',
      route: '/fhir/Patient/{id}/_history/{id}',
      queryKeys: ['_count', 'subject'],
      status: 200,
      requestBytes: 120,
      responseBytes: 2048,
      latencyMs: 12.5,
      clientIp: '10.1.2.3',
      userAgent: 'curl/8.4',
    });
    expect(n.principal.id).toBe('user:alice');
    expect(n.objects.map((o) => `${o.type}:${o.via}`)).toEqual(['Patient:path', 'Patient:reference']);
  });

  it('keeps no raw patient id, JWT or API key anywhere in the event once seq is removed', () => {
    const n = normalize()(event(), { eventId: 'e1', source: 'kong' });
    for (const o of n.objects) delete o.seq;
    const json = JSON.stringify(n);
    for (const secret of [PATIENT_ID, OTHER_PATIENT, JWT, jwtPayload, API_KEY]) expect(json).not.toContain(secret);
  });

  it('falls back to the host for service, zero for missing sizes and latency, and an empty user agent', () => {
    const n = normalize()(event({ service: undefined, requestBytes: undefined, responseBytes: undefined, latencyMs: undefined, requestHeaders: {} }), {
      eventId: 'e2',
      source: 'nginx',
    });
    expect(n).toMatchObject({ service: 'ehr.example.org', requestBytes: 0, responseBytes: 0, latencyMs: 0, userAgent: '' });
    expect(n.principal).toEqual({ id: 'ip:10.1.2.3', kind: 'ip', scopes: [], authScheme: 'none' });
  });

  it('uses an injected principal resolver when given one', () => {
    const n = createNormalizer({ identity }, {
      tokenizer,
      templater: createRouteTemplater(),
      resolvePrincipal: () => ({ principal: { id: 'user:fixed', kind: 'user', scopes: [], authScheme: 'none' } }),
    })(event(), { eventId: 'e3', source: 'vigil' });
    expect(n.principal.id).toBe('user:fixed');
  });

  it("carries the bearer JWT's exp and iat beside the principal, and the stored row has neither", () => {
    const payload = Buffer.from(JSON.stringify({ sub: 'alice', iat: 1_761_990_000, exp: 1_761_993_600 })).toString('base64url');
    const n = normalize()(event({ requestHeaders: { authorization: `Bearer eyJhbGciOiJSUzI1NiJ9.${payload}.c2ln` } }), { eventId: 'e4', source: 'kong' });
    expect(NormalizedEventSchema.parse(n)).toEqual(n);
    expect([n.credentialExpiresAt, n.credentialIssuedAt]).toEqual([1_761_993_600_000, 1_761_990_000_000]);
    expect(n.principal).toEqual({ id: 'user:alice', kind: 'user', scopes: [], credentialFingerprint: n.principal.credentialFingerprint, authScheme: 'bearer' });
    const row = toEventRow(n);
    expect(Object.keys(row).filter((k) => /expire|issued/i.test(k))).toEqual([]);
    expect(JSON.stringify(row)).not.toContain('1761993600');
  });
});

describe('eventIdFor', () => {
  it('is the first 32 hex chars of sha256 over the line, a newline and the ordinal', () => {
    const expected = createHash('sha256').update('line one\n0').digest('hex').slice(0, 32);
    expect(eventIdFor('line one', 0)).toBe(expected);
  });

  it('is stable across runs and distinct for repeated identical lines', () => {
    expect(eventIdFor('same', 1)).toBe(eventIdFor('same', 1));
    expect(eventIdFor('same', 0)).not.toBe(eventIdFor('same', 1));
  });

  it('hashes the UTF-8 of any line, however long, as the string form does (ids survive upgrades)', () => {
    const reference = (raw: string, ordinal: number) => createHash('sha256').update(`${raw}\n${ordinal}`, 'utf8').digest('hex').slice(0, 32);
    const lines = [
      '',
      '{"a":"é ü ß 漢字 😀"}',
      'lone high \ud800 and low \udc00 surrogates, and a pair split the wrong way \udc00\ud800',
      '\ud83d',
      'x'.repeat(16 * 1024 - 20), // near the first buffer's end
      `${'漢'.repeat(6000)}😀`, // grows the buffer
      'y'.repeat(1024 * 1024), // past the largest buffer: hashed from the string
      'short again after long ones',
    ];
    for (const raw of lines) for (const ordinal of [0, 7, 123_456_789]) expect(eventIdFor(raw, ordinal)).toBe(reference(raw, ordinal));
  });
});
