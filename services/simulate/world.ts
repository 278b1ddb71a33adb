import { jwt, type KongRequest, type Random } from '../../scripts/traffic.js';
import type { SimParams } from './params.js';

/** A generated request; `attack` names the label it belongs to (in memory only, never written). */
export interface SimRequest extends KongRequest {
  attack?: string;
}

/** Someone holding an OAuth token: a patient-app user, a clinician, billing staff or a service. */
export interface Actor {
  sub: string;
  /** As Vigil derives it: user:<sub>, or app:<client_id> for client-credentials services. */
  principal: string;
  clientId: string;
  scope: string;
  ip: string;
  ua: string;
  /** SMART launch patient (patient-app users). */
  patient?: number;
  fhirUser?: string;
}

export interface Clinician extends Actor {
  panel: number[];
  practitionerId: number;
}

export interface Service extends Actor {
  kind: 'export' | 'sync';
  /** Local hour of the nightly export, or minute past each hour of the sync. */
  slot: number;
  resources: string[];
}

export interface Partner {
  key: string;
  consumer: { id: string; username: string };
  ip: string;
}

export interface World {
  patients: Actor[];
  narrowApp: Actor[];
  clinicians: Clinician[];
  services: Service[];
  billing: Actor[];
  partners: Partner[];
  patientIds: number[];
  claimIds: number[];
}

const ISSUER = 'https://idp.example-hospital.org';
const PATIENT_UAS = ['MyChart/10.4.2 (iPhone; iOS 17.4)', 'MyChart/10.4.1 (Android 14; Pixel 7)', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_3) AppleWebKit/605.1.15 Safari/605.1.15', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/122.0 Safari/537.36'];
const CLINICIAN_UAS = ['EHR-Web/5.4.1 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36', 'EHR-Web/5.4.1 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15'];
/** Residential and mobile prefixes: patients come from everywhere. */
const PUBLIC_PREFIXES = [24, 50, 67, 71, 73, 76, 98, 99, 108, 172, 174];

export function publicIp(rnd: Random): string {
  return `${rnd.pick(PUBLIC_PREFIXES)}.${rnd.int(1, 254)}.${rnd.int(0, 255)}.${rnd.int(1, 254)}`;
}

/** Distinct integers in [min, max], in random order. */
export function distinctInts(rnd: Random, n: number, min: number, max: number): number[] {
  const seen = new Set<number>();
  while (seen.size < n) seen.add(rnd.int(min, max));
  return [...seen];
}

export function buildWorld(p: SimParams, rnd: Random): World {
  // Patient ids are integers from a database sequence: dense, with gaps where records were merged or deleted.
  const firstPatient = rnd.int(100_000, 400_000);
  const patientIds = distinctInts(rnd, p.patientRecords, firstPatient, firstPatient + Math.round(p.patientRecords * 1.3));
  const claimIds = distinctInts(rnd, p.patientRecords * 2, 4_000_000, 4_999_999);
  const patients = patientIds.slice(0, p.patientUsers).map((id, i): Actor => {
    const sub = `pt-${rnd.hex(10)}`;
    return { sub, principal: `user:${sub}`, clientId: 'mychart-app', scope: 'launch/patient patient/*.read openid fhirUser offline_access', ip: publicIp(rnd), ua: PATIENT_UAS[i % PATIENT_UAS.length] as string, patient: id, fhirUser: `Patient/${id}` };
  });
  const narrowApp = patientIds.slice(p.patientUsers, p.patientUsers + p.narrowAppUsers).map((id): Actor => {
    const sub = `fl-${rnd.hex(10)}`;
    return { sub, principal: `user:${sub}`, clientId: 'fitlink', scope: 'launch/patient patient/Observation.read patient/Patient.read', ip: publicIp(rnd), ua: 'FitLink/3.2 (Android 14)', patient: id };
  });
  const clinicians = Array.from({ length: p.clinicians }, (_, i): Clinician => {
    const sub = `dr-${rnd.hex(8)}`;
    const practitionerId = rnd.int(10_000, 99_999);
    // A stable panel per clinician: the patients they care for, drawn from all records.
    const panel = Array.from({ length: rnd.int(p.panelSize[0], p.panelSize[1]) }, () => rnd.pick(patientIds));
    return {
      sub,
      principal: `user:${sub}`,
      clientId: 'ehr-web',
      scope: 'openid fhirUser user/*.read user/Observation.write user/MedicationRequest.write',
      ip: `10.40.${Math.floor(i / 200)}.${(i % 200) + 10}`,
      ua: rnd.pick(CLINICIAN_UAS),
      fhirUser: `Practitioner/${practitionerId}`,
      panel: [...new Set(panel)],
      practitionerId,
    };
  });
  const exportTypes = ['Patient', 'Observation', 'Condition', 'MedicationRequest', 'Encounter', 'Immunization'];
  const syncTypes = ['Encounter', 'Appointment', 'Observation', 'Practitioner', 'Coverage'];
  const services = [
    ...Array.from({ length: p.exportServices }, (_, i): Service => {
      const clientId = ['population-health-etl', 'research-warehouse'][i] ?? `bulk-export-${i}`;
      return { sub: clientId, principal: `app:${clientId}`, clientId, scope: 'system/*.read', ip: `10.60.0.${20 + i}`, ua: 'bulk-client/2.1 (java 17)', kind: 'export', slot: rnd.int(1, 3), resources: exportTypes.slice(0, rnd.int(3, exportTypes.length)) };
    }),
    ...Array.from({ length: p.syncServices }, (_, i): Service => {
      const clientId = ['scheduling-sync', 'hie-connector', 'lab-results-sync', 'crm-sync'][i] ?? `sync-${i}`;
      return { sub: clientId, principal: `app:${clientId}`, clientId, scope: 'system/*.read', ip: `10.60.1.${20 + i}`, ua: 'okhttp/4.12.0', kind: 'sync', slot: rnd.int(0, 59), resources: [syncTypes[i % syncTypes.length] as string] };
    }),
  ];
  const billing = Array.from({ length: p.billingStaff }, (_, i): Actor => {
    const sub = `bill-${rnd.hex(6)}`;
    return { sub, principal: `user:${sub}`, clientId: 'billing-portal', scope: 'openid user/Claim.read user/Claim.write user/Coverage.read user/Patient.read', ip: `10.50.2.${i + 10}`, ua: CLINICIAN_UAS[0] as string };
  });
  const partners = Array.from({ length: p.partners }, (_, i): Partner => ({
    key: `pk_live_${rnd.hex(24)}`,
    consumer: { id: `${rnd.hex(8)}-${rnd.hex(4)}-4${rnd.hex(3)}-a${rnd.hex(3)}-${rnd.hex(12)}`, username: ['pharmacy-partner', 'mail-order-rx'][i] ?? `partner-${i}` },
    ip: `192.0.2.${40 + i}`,
  }));
  return { patients, narrowApp, clinicians, services, billing, partners, patientIds, claimIds };
}

/** A fresh bearer token for an actor's session (same claims, new signature and iat). */
export function tokenOf(a: Actor, at: number, rnd: Random): string {
  const iat = Math.floor(at / 1000);
  const claims: Record<string, unknown> = { iss: ISSUER, sub: a.sub, client_id: a.clientId, scope: a.scope, iat, exp: iat + 3600, jti: rnd.hex(12) };
  if (a.patient !== undefined) claims.patient = String(a.patient);
  if (a.fhirUser !== undefined) claims.fhirUser = a.fhirUser;
  return jwt(claims, rnd);
}

/** Builds an actor's requests with its token, address and user agent. */
export function requester(a: { ip: string; ua: string }, token: string, attack?: string) {
  return (at: number, method: string, uri: string, status: number, extra: Partial<SimRequest> = {}): SimRequest => ({
    at,
    method,
    uri,
    status,
    clientIp: a.ip,
    headers: { authorization: `Bearer ${token}`, 'user-agent': a.ua, ...extra.headers },
    ...(extra.responseHeaders ? { responseHeaders: extra.responseHeaders } : {}),
    ...(extra.responseBytes === undefined ? {} : { responseBytes: extra.responseBytes }),
    ...(attack === undefined ? {} : { attack }),
  });
}

/** A login at the token endpoint (public client, PKCE: no Authorization header to log). */
export function login(at: number, ip: string, ua: string, status: number, attack?: string): SimRequest {
  return {
    at,
    method: 'POST',
    uri: '/oauth2/token',
    status,
    clientIp: ip,
    headers: { 'user-agent': ua, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    responseHeaders: { 'content-type': 'application/json' },
    responseBytes: status === 200 ? 1450 : 98,
    ...(attack === undefined ? {} : { attack }),
  };
}
