import { writeFileSync } from 'node:fs';
import { hospitalScenario } from './scenario.js';

/**
 * Writes fixtures/e2e/kong-hospital-morning.log: the end-to-end scenario (see scenario.ts) plus two
 * lines a gateway could really emit and Vigil cannot use (a truncated record, a non-HTTP line).
 * Run: npm run build && node dist/scripts/gen-fixtures.js
 */
const start = Date.UTC(2026, 10, 2, 8, 0, 0);
const lines = [...hospitalScenario({ seed: 7, start, minutes: 45, clinicians: 8, attacks: true })];
lines.splice(100, 0, '{"request":{"method":"GET","uri":"/fhir/Patient/1"');
lines.splice(200, 0, 'kong[1234]: worker process exited on signal 9');
writeFileSync(new URL('../../fixtures/e2e/kong-hospital-morning.log', import.meta.url), `${lines.join('\n')}\n`);
process.stdout.write(`wrote ${lines.length} lines\n`);
