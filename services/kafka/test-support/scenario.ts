import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Alert } from '../../../libs/contracts/index.js';
import { createTokenizer, parseKey } from '../../../libs/privacy/index.js';
import { MALLORY, PROBE_IP, PROBE_KEY } from '../../../scripts/scenario.js';

/**
 * The recorded hospital morning (fixtures/e2e/kong-hospital-morning.log) and the alerts it must
 * produce, as services/cli/cli.integration.test.ts asserts them for `vigil replay`.
 */
export const FIXTURE = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'e2e', 'kong-hospital-morning.log');
export const FIXTURE_LINES = readFileSync(FIXTURE, 'utf8').split('\n').filter((l) => l.trim() !== '');
/** Two lines of the fixture are broken on purpose. */
export const FIXTURE_EVENTS = FIXTURE_LINES.length - 2;
export const FIXTURE_BAD_LINES = FIXTURE_LINES.flatMap((l, i) => {
  try {
    JSON.parse(l);
    return [];
  } catch {
    return [i];
  }
});

export const PROBE_PRINCIPAL = `key:${createTokenizer(parseKey('a1'.repeat(32)) as Buffer).fingerprint(PROBE_KEY)}`;

export const EXPECTED_MALLORY = {
  detector: 'bola/enumeration',
  owasp: 'API1:2023',
  severity: 'high',
  principal: `user:${MALLORY.sub}`,
  app: 'ehr-web',
  route: '/fhir/Patient/{id}',
  sourceIps: [MALLORY.ip],
  firstSeen: '2026-11-02T08:35:09.000Z',
  lastSeen: '2026-11-02T08:36:59.000Z',
  count: 211,
  status: 'open',
};

export const EXPECTED_PROBE = {
  detector: 'bola/enumeration',
  owasp: 'API1:2023',
  severity: 'medium',
  principal: PROBE_PRINCIPAL,
  app: 'claims-partner',
  route: '/api/v1/claims/{id}',
  sourceIps: [PROBE_IP],
  firstSeen: '2026-11-02T08:12:28.000Z',
  lastSeen: '2026-11-02T08:12:58.000Z',
  count: 16,
  status: 'open',
};

export function byPrincipal(alerts: Alert[], principal: string): Alert {
  const a = alerts.find((x) => x.principal === principal);
  if (!a) throw new Error(`no alert for ${principal}: ${JSON.stringify(alerts.map((x) => x.principal))}`);
  return a;
}
