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
