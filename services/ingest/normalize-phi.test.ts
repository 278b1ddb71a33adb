import { describe, expect, it } from 'vitest';
import { NormalizedEventSchema, type ApiEvent, type Config } from '../../libs/contracts/index.js';
import { createTokenizer } from '../../libs/privacy/index.js';
import { createRouteTemplater } from '../../libs/routes/index.js';
import { createNormalizer } from './normalize.js';

const identity: Config['identity'] = { userHeaders: ['x-user-id'], apiKeyHeaders: ['x-api-key'], userFields: [] };
const tokenizer = createTokenizer(Buffer.alloc(32, 9));
const normalizer = (phi?: Config['phi']) =>
  createNormalizer(phi === undefined ? { identity } : { identity, phi }, { tokenizer, templater: createRouteTemplater() });

const PATIENT = '{"resourceType":"Patient","id":"7","name":[{"family":"Quarrington","given":["Zelda"]}],"birthDate":"1984-07-19","identifier":[{"system":"http://hl7.org/fhir/sid/us-ssn","value":"512-84-3377"}]}';

function event(over: Partial<ApiEvent> = {}): ApiEvent {
  return {
    time: '2026-11-01T10:00:00.123Z',
    method: 'GET',
    host: 'ehr.example.org',
    path: '/fhir/Patient/7',
    status: 200,
    requestHeaders: { 'x-user-id': 'alice' },
    responseHeaders: {},
    clientIp: '10.1.2.3',
    ...over,
  };
}

describe('the normalizer classifies bodies and drops them', () => {
  it('a Patient response becomes phi categories and types; no body text is left in the event', () => {
    const n = normalizer()(event({ responseBody: PATIENT, requestBody: '' }), { eventId: 'e1', source: 'kong' });
    expect(n.phi).toEqual({ categories: ['fhir-resource', 'name', 'dob', 'ssn'], resourceTypes: ['Patient'], in: ['response'] });
    expect(NormalizedEventSchema.parse(n)).toEqual(n);
    const text = JSON.stringify(n);
    for (const secret of ['Quarrington', 'Zelda', '1984-07-19', '512-84-3377', 'Body']) expect(text).not.toContain(secret);
  });

  it('no body: no phi key; an empty body: seen, nothing found', () => {
    expect('phi' in normalizer()(event(), { eventId: 'e2', source: 'kong' })).toBe(false);
    expect(normalizer()(event({ responseBody: '' }), { eventId: 'e3', source: 'kong' }).phi).toEqual({ categories: [], resourceTypes: [], in: [] });
  });

  it('honours the configured scan cap', () => {
    const padded = `${' '.repeat(2000)}SSN 512-84-3377`;
    expect(normalizer()(event({ responseBody: padded }), { eventId: 'e4', source: 'kong' }).phi?.categories).toEqual(['ssn']);
    expect(normalizer({ maxScanBytes: 1024 })(event({ responseBody: padded }), { eventId: 'e5', source: 'kong' }).phi?.categories).toEqual([]);
  });
});
