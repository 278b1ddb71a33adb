import { describe, expect, it } from 'vitest';
import { createTokenizer } from '../privacy/index.js';
import { readTokenGrant } from './token-grant.js';

const tokenizer = createTokenizer(Buffer.alloc(32, 9));
const response = (body: Record<string, unknown>) => ({ method: 'POST', status: 200, responseBody: JSON.stringify(body) });

describe('readTokenGrant (a mirrored SMART token response)', () => {
  it('binds the issued token, by its keyed fingerprint, to the tokenized patient, with the granted scopes', () => {
    const grant = readTokenGrant(response({ access_token: 'opaque-abc', token_type: 'Bearer', patient: '10234', scope: 'launch/patient patient/*.read' }), tokenizer);
    expect(grant).toEqual({
      principal: `key:${tokenizer.fingerprint('opaque-abc')}`,
      patient: tokenizer.token('Patient', '10234'),
      scopes: ['launch/patient', 'patient/*.read'],
    });
    expect(JSON.stringify(grant)).not.toContain('opaque-abc');
    expect(JSON.stringify(grant)).not.toContain('10234');
  });

  it('says nothing of responses that are not a token response with a patient', () => {
    expect(readTokenGrant(response({ access_token: 'opaque-abc', scope: 'system/*.read' }), tokenizer)).toBeUndefined();
    expect(readTokenGrant(response({ resourceType: 'Patient', id: 'x', patient: 'y' }), tokenizer)).toBeUndefined();
    expect(readTokenGrant({ method: 'POST', status: 400, responseBody: JSON.stringify({ access_token: 'a', patient: 'b' }) }, tokenizer)).toBeUndefined();
    expect(readTokenGrant({ method: 'GET', status: 200, responseBody: JSON.stringify({ access_token: 'a', patient: 'b' }) }, tokenizer)).toBeUndefined();
    expect(readTokenGrant({ method: 'POST', status: 200, responseBody: '{"access_token": "a", "patient": ' }, tokenizer)).toBeUndefined();
    expect(readTokenGrant({ method: 'POST', status: 200 }, tokenizer)).toBeUndefined();
  });
});
