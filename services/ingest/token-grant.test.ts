import { describe, expect, it } from 'vitest';
import { parseLine } from '../../libs/adapters/index.js';
import { loadConfig } from '../../libs/config/index.js';
import { createTokenizer } from '../../libs/privacy/index.js';
import { createRouteTemplater } from '../../libs/routes/index.js';
import { createPatientContextDetector } from '../../detectors/bola/patient-context/index.js';
import { createNormalizer, eventIdFor } from './normalize.js';

const tokenizer = createTokenizer(Buffer.alloc(32, 4));

/** Native lines: a SMART token response mirrored with its body, then requests with that opaque token. */
const lines = [
  { time: '2026-11-02T08:00:00.000Z', method: 'POST', host: 'auth.example.org', path: '/oauth2/token', status: 200, clientIp: '198.51.100.9',
    responseBody: JSON.stringify({ access_token: 'opaque-7f3a', token_type: 'Bearer', expires_in: 3600, scope: 'launch/patient patient/*.read', patient: 'PAT-1' }) },
  { time: '2026-11-02T08:00:05.000Z', method: 'GET', host: 'fhir.example.org', path: '/fhir/Patient/PAT-1', status: 200, clientIp: '198.51.100.9', requestHeaders: { authorization: 'Bearer opaque-7f3a' } },
  { time: '2026-11-02T08:00:09.000Z', method: 'GET', host: 'fhir.example.org', path: '/fhir/Observation', query: 'patient=PAT-2', status: 200, clientIp: '198.51.100.9', requestHeaders: { authorization: 'Bearer opaque-7f3a' } },
].map((l) => JSON.stringify(l));

describe('a mirrored token response binds the opaque token it issues (normalizer -> bola/patient-context)', () => {
  it('flags the token reading another patient, naming the binding and nothing raw', () => {
    const normalize = createNormalizer(loadConfig({ env: {} }), { tokenizer, templater: createRouteTemplater() });
    const detector = createPatientContextDetector();
    const state = detector.createState();
    const findings = lines.flatMap((line) => {
      const out = parseLine(line, 'vigil');
      if (out.kind !== 'ok') throw new Error(`fixture line rejected: ${JSON.stringify(out)}`);
      return out.events.flatMap((ev) => detector.detect(normalize(ev, { eventId: eventIdFor(line, 0), source: 'vigil' }), state));
    });
    const token = `key:${tokenizer.fingerprint('opaque-7f3a')}`;
    expect(findings.map((f) => [f.principal, f.severity, f.summary])).toEqual([
      [token, 'critical', `${token}, bound to patient ${tokenizer.token('Patient', 'PAT-1')} by its token response, read patient ${tokenizer.token('Patient', 'PAT-2')} and the API answered 200`],
    ]);
    expect(JSON.stringify(findings)).not.toMatch(/opaque-7f3a|PAT-1|PAT-2/);
  });
});
