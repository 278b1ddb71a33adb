import type { Random } from '../../scripts/traffic.js';

/**
 * Everything that shapes a simulated organisation, drawn from the seed within plausible ranges, so
 * no detector threshold can be fitted to one fixed population. `scale` multiplies population sizes
 * (1 is about 20-30k records per simulated weekday).
 */
export interface SimParams {
  /** Local time = UTC + this many hours; clinics and patients follow local hours. */
  tzOffsetHours: number;
  patientRecords: number;
  patientUsers: number;
  /** Probability that a patient-app user opens the app on a given day. */
  patientDailyActive: number;
  narrowAppUsers: number;
  clinicians: number;
  panelSize: [number, number];
  chartsPerHour: [number, number];
  /** Share of chart visits that write an Observation. */
  clinicianWriteRate: number;
  exportServices: number;
  syncServices: number;
  billingStaff: number;
  claimsPerHour: [number, number];
  partners: number;
  partnerPollMinutes: number;
  /** Share of logins that start with a mistyped password (401, then 200). */
  loginTypoRate: number;
  /** Share of reads answered 404 / 5xx by the API. */
  notFoundRate: number;
  serverErrorRate: number;
  /** Instances of each attack kind (1 or 2). */
  attacksPerKind: number;
}

export function drawParams(rnd: Random, scale: number): SimParams {
  const scaled = (min: number, max: number, floor: number) => Math.max(floor, Math.round(rnd.int(min, max) * scale));
  const panelMin = rnd.int(15, 30);
  const chartsMin = rnd.int(3, 5);
  const claimsMin = rnd.int(8, 14);
  return {
    tzOffsetHours: rnd.int(-8, 2),
    patientRecords: scaled(3000, 6000, 800),
    patientUsers: scaled(250, 500, 60),
    patientDailyActive: 0.15 + rnd.next() * 0.2,
    narrowAppUsers: scaled(30, 80, 12),
    clinicians: scaled(40, 80, 16),
    panelSize: [panelMin, panelMin + rnd.int(10, 30)],
    chartsPerHour: [chartsMin, chartsMin + rnd.int(2, 5)],
    clinicianWriteRate: 0.1 + rnd.next() * 0.2,
    exportServices: rnd.int(1, 2),
    syncServices: rnd.int(2, 4),
    billingStaff: scaled(6, 14, 4),
    claimsPerHour: [claimsMin, claimsMin + rnd.int(4, 10)],
    partners: rnd.int(1, 2),
    partnerPollMinutes: rnd.int(3, 10),
    loginTypoRate: 0.03 + rnd.next() * 0.06,
    notFoundRate: 0.005 + rnd.next() * 0.015,
    serverErrorRate: 0.001 + rnd.next() * 0.004,
    attacksPerKind: rnd.next() < 0.5 ? 1 : 2,
  };
}
