import type { NormalizedEvent, Principal } from '../../libs/contracts/index.js';
import { principalOf } from '../test-support/auth.js';
import { event, ref } from '../test-support/events.js';

/** Traffic the flow-abuse tests share (detection and persistence). */
export const H = 3600_000;
export const T0 = Date.UTC(2026, 10, 2, 0, 0, 0);
export const MED = '/fhir/MedicationRequest/{id}';
export const REFILL = '/fhir/MedicationRequest/{id}/$refill';

export const patientUser = (n: number): Principal => principalOf(`user:p${n}`, { app: 'patient-app', scopes: ['patient/*.*'] });
export const med = (n: number) => ref('MedicationRequest', `tok_m${n}`);

/** Opening a prescription, then deleting, refilling, replacing and patching it: writes patients never make. */
export function oddSession(who: Principal, at: number, m = 9): NormalizedEvent[] {
  const o = [med(m)];
  return [
    event({ ts: at, principal: who, route: MED, objects: o }),
    event({ ts: at + 1000, principal: who, route: MED, method: 'DELETE', objects: o }),
    event({ ts: at + 2000, principal: who, route: MED, objects: o }),
    event({ ts: at + 3000, principal: who, route: REFILL, method: 'POST', objects: o }),
    event({ ts: at + 4000, principal: who, route: MED, objects: o }),
    event({ ts: at + 5000, principal: who, route: MED, method: 'PUT', objects: o }),
    event({ ts: at + 6000, principal: who, route: MED, objects: o }),
    event({ ts: at + 7000, principal: who, route: MED, method: 'PATCH', objects: o }),
  ];
}

export const MIN = 60_000;
const TASK = '/fhir/Task/{id}';
const nurse = (n: number) => principalOf(`user:n${n}`, { app: 'ward', scopes: ['user/Task.write'] });

/** `times` updates of one Task by nurse `n`, `every` ms apart from `at`. */
function updates(n: number, task: string, at: number, times: number, every = 5 * MIN): NormalizedEvent[] {
  return Array.from({ length: times }, (_, i) => event({ ts: at + i * every, principal: nurse(n), route: TASK, method: 'PUT', objects: [ref('Task', task)] }));
}

/**
 * Traffic for partitions consumed at different speeds (watermark tests). One partition's worth of
 * a ward: 12 nurses update a task 8 times in each of 4 hours (the cohort's runs peak at 8, so its
 * limit is 2 x 8 = 16); then n0 updates one 12 times (benign) and n1 one 20 times (abuse).
 */
export function ward(): NormalizedEvent[] {
  const out: NormalizedEvent[] = [];
  for (let h = 0; h < 4; h++) for (let n = 0; n < 12; n++) out.push(...updates(n, `tok_t${n}_${h}`, T0 + h * H + 5 * MIN + n * 1000, 8));
  out.push(...updates(0, 'tok_benign', T0 + 5 * H, 12, 2 * MIN), ...updates(1, 'tok_abuse', T0 + 5 * H + 1000, 20, 2 * MIN));
  return out.sort((a, b) => a.ts - b.ts);
}

/** Another partition, two days ahead: a reader whose reads only move event time on. */
export function ahead(): NormalizedEvent[] {
  const reader = principalOf('user:r0', { app: 'ward', scopes: ['user/Task.read'] });
  return Array.from({ length: 300 }, (_, i) => event({ ts: T0 + 48 * H + i * MIN, principal: reader, route: TASK, objects: [ref('Task', `tok_r${i}`)] }));
}
