import type { NormalizedEvent, Principal } from '../../libs/contracts/index.js';
import { principalOf } from '../test-support/auth.js';
import { event } from '../test-support/events.js';

/** Traffic the token-misuse tests share (detection and persistence). */
export const W = 600_000;
export const T0 = Date.UTC(2026, 10, 2, 8, 0, 0);
export const APP = { app: 'patient-app', scopes: ['patient/*.read', 'launch/patient'] };

export function user(n: number, over: Partial<Principal> = {}): Principal {
  return principalOf(`user:u${n}`, { ...APP, ...over });
}

/** Ten patient-app users over 4 windows, each on 2 networks (home wifi, carrier) with one app version. */
export function mobileCohort(): NormalizedEvent[] {
  const out: NormalizedEvent[] = [];
  for (let w = 0; w < 4; w++) {
    for (let u = 0; u < 10; u++) {
      for (let i = 0; i < 4; i++) {
        const ip = i % 2 === 0 ? `192.0.${u}.10` : `198.18.${u}.20`;
        out.push(event({ ts: T0 + w * W + u * 10_000 + i * 60_000, clientIp: ip, userAgent: 'PatientApp/3.2 iOS', principal: user(u) }));
      }
    }
  }
  return out;
}
