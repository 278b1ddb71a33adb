import { describe, expect, it } from 'vitest';
import { PRINCIPAL_BUDGET_BYTES } from '../libs/baseline/index.js';
import { loadConfig } from '../libs/config/index.js';
import { createDetectors } from '../services/registry.js';
import { budgetTraffic, runtimeMarginalBytes } from './budget.js';
import { event } from './test-support/events.js';

// Varied networks, agents, sizes and statuses, as the bench's real normalized events vary.
const BASES = Array.from({ length: 64 }, (_, k) =>
  event({
    ts: 0,
    clientIp: `10.${k % 7}.${k % 13}.${k}`,
    userAgent: `app/${k % 5}.0`,
    responseBytes: 1500 + 37 * k,
    status: k % 16 === 0 ? 404 : 200,
  }),
);

describe('per-principal memory budget', () => {
  it('gives every principal three requests touching every kind of state', () => {
    const [search, read, bulk] = budgetTraffic(7, 1000, BASES);
    expect(search).toMatchObject({ ts: 1000, route: '/fhir/Observation', queryKeys: ['_count', 'patient'], paging: { count: 20 }, clientIp: '10.0.7.7' });
    expect(read).toMatchObject({ ts: 1001, route: '/fhir/Patient/{id}', objects: [{ type: 'Patient', id: 'tok_7', via: 'path', created: false }] });
    expect(bulk).toMatchObject({ ts: 1002, route: '/fhir/Encounter', queryKeys: ['_include', 'patient'] });
    expect(new Set([search, read, bulk].map((e) => e?.principal.id))).toEqual(new Set(['user:bench-7']));
  });

  // Heap bytes, not time: what every detector together keeps per principal once its capped sets
  // (per-route maps, object/network/agent sets, rings) are emptied must fit the 2 KiB.
  it(`keeps at most ${PRINCIPAL_BUDGET_BYTES} bytes per principal outside capped sets, all detectors in one runtime`, () => {
    const config = loadConfig({ env: {} });
    const r = runtimeMarginalBytes(() => createDetectors(config), 20_000, BASES);
    console.log(`all detectors: ${Math.round(r.total)} bytes/principal in total, ${Math.round(r.outside)} outside capped sets`);
    expect(r.outside).toBeLessThanOrEqual(PRINCIPAL_BUDGET_BYTES);
    // The capped sets do hold something (else clearCapped would measure nothing).
    expect(r.total - r.outside).toBeGreaterThan(200);
  }, 300_000);
});
