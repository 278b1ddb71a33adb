import { createHmac } from 'node:crypto';

/**
 * Mirrored traffic of a FHIR platform and a custom REST API, built around known raw values so a
 * test can look for every one of them wherever Vigil keeps, logs, sends or serves anything.
 * Each raw value is distinctive (no value is a substring of common text such as timestamps).
 */

/** The SMART launch patient of the patient-portal token (its own record). */
export const OWN_PATIENT = 'PAT-93751-XQ';
/** Another patient the portal token reads: direct BOLA evidence (bola/patient-context). */
export const OTHER_PATIENT = '8812345';
/** The patient a clinician creates (201 Location). */
export const CREATED_PATIENT = 'PAT-60019-NW';
/** 150 integer Patient ids walked one after the other by an opaque token (bola/enumeration). */
export const ENUMERATED = Array.from({ length: 150 }, (_, i) => String(7_300_100 + i));

export const OBSERVATION_ID = 'OBS-77120-AB';
export const MEDICATION_REQUEST_ID = 'MR-40417-KD';
export const CREATED_MEDICATION_REQUEST_ID = 'MR-40988-QT';
export const ORDER_IDS = ['ORD-55512', 'ORD-55513'];

export const API_KEY = 'ak_live_5f4e3d2c1b0a99887766';
export const OPAQUE_TOKEN = 'opq_Zt9xQ2mN8vL4kJ7hR1sPw6';
export const BASIC_USER = 'dr-hale';
export const BASIC_PASSWORD = 'Hx7-basic-pw-Qm2';
export const BASIC_CREDENTIAL = Buffer.from(`${BASIC_USER}:${BASIC_PASSWORD}`).toString('base64');
export const COOKIE_VALUE = 'SESS-c0ok1e-9f8e7d6c5b4a';

/** What the mirrored response bodies hold about the own patient (PHI: classified, never kept). */
export const PHI = { family: 'Okonkwo-Blathe', given: 'Zephyrine', ssn: '539-48-2761', mrn: 'MRN-4471920', birthDate: '1979-03-14' };

const b64url = (s: string): string => Buffer.from(s).toString('base64url');

/** A real-looking HS256 JWT with a SMART `patient` claim (the gateway verified it; Vigil only reads it). */
function smartJwt(): { jwt: string; payloadSegment: string } {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'portal-2026' }));
  const payloadSegment = b64url(
    JSON.stringify({
      iss: 'https://auth.example-health.org',
      sub: 'u-portal-481',
      client_id: 'patient-portal',
      scope: 'launch/patient patient/*.read openid fhirUser',
      patient: OWN_PATIENT,
      fhirUser: `Patient/${OWN_PATIENT}`,
      iat: 1_795_900_000,
      exp: 1_895_900_000,
    }),
  );
  const sig = createHmac('sha256', 'issuer-signing-key-not-vigils').update(`${header}.${payloadSegment}`).digest('base64url');
  return { jwt: `${header}.${payloadSegment}.${sig}`, payloadSegment };
}
export const { jwt: PORTAL_JWT, payloadSegment: PORTAL_JWT_PAYLOAD } = smartJwt();

/** An OpenAPI document for the orders API (PUT /v1/specs): the inventory judges its routes against it. */
export const ORDERS_SPEC = JSON.stringify({
  openapi: '3.1.0',
  info: { title: 'Orders', version: '1' },
  paths: { '/api/orders': { get: { responses: { 200: { description: 'orders' } } } }, '/api/orders/{orderId}': { get: { responses: { 200: { description: 'one order' } } } } },
});

/** Every raw value that must never leave Vigil's memory, labelled for failure messages. */
export function rawValues(): { label: string; value: string }[] {
  return [
    { label: 'own patient id', value: OWN_PATIENT },
    { label: 'other patient id', value: OTHER_PATIENT },
    { label: 'created patient id', value: CREATED_PATIENT },
    ...ENUMERATED.map((value, i) => ({ label: `enumerated patient id #${i}`, value })),
    { label: 'Observation id', value: OBSERVATION_ID },
    { label: 'MedicationRequest id', value: MEDICATION_REQUEST_ID },
    { label: 'created MedicationRequest id', value: CREATED_MEDICATION_REQUEST_ID },
    ...ORDER_IDS.map((value) => ({ label: 'order id', value })),
    { label: 'SMART JWT', value: PORTAL_JWT },
    { label: 'SMART JWT payload segment', value: PORTAL_JWT_PAYLOAD },
    { label: 'opaque bearer token', value: OPAQUE_TOKEN },
    { label: 'API key', value: API_KEY },
    { label: 'Basic credential', value: BASIC_CREDENTIAL },
    { label: 'Basic password', value: BASIC_PASSWORD },
    { label: 'cookie value', value: COOKIE_VALUE },
    { label: 'patient family name', value: PHI.family },
    { label: 'patient given name', value: PHI.given },
    { label: 'SSN', value: PHI.ssn },
    { label: 'MRN', value: PHI.mrn },
    { label: 'birth date', value: PHI.birthDate },
  ];
}

interface KongSpec {
  t: number;
  method: string;
  uri: string;
  status: number;
  ip: string;
  headers: Record<string, string>;
  service?: string;
  host?: string;
  responseHeaders?: Record<string, string>;
  responseBody?: string;
  requestBody?: string;
}

/** A Kong log serializer record (what http-log posts), bodies added by custom_fields_by_lua (docs/phi.md). */
function kong(s: KongSpec): Record<string, unknown> {
  const host = s.host ?? 'fhir.example-health.org';
  const q = s.uri.indexOf('?');
  const querystring = q < 0 ? {} : Object.fromEntries(new URLSearchParams(s.uri.slice(q + 1)));
  return {
    request: {
      method: s.method,
      uri: s.uri,
      url: `https://${host}:443${s.uri}`,
      size: 612,
      querystring,
      headers: { host, accept: 'application/fhir+json', 'user-agent': 'HealthApp/4.2', ...s.headers },
      ...(s.requestBody === undefined ? {} : { body: s.requestBody }),
    },
    upstream_uri: s.uri,
    response: {
      status: s.status,
      size: 1840,
      headers: { 'content-type': 'application/fhir+json', ...(s.responseHeaders ?? {}) },
      ...(s.responseBody === undefined ? {} : { body: s.responseBody }),
    },
    route: { name: 'fhir' },
    service: { name: s.service ?? 'fhir-api' },
    latencies: { request: 24, kong: 1, proxy: 23 },
    client_ip: s.ip,
    started_at: s.t,
  };
}

const PATIENT_BODY = JSON.stringify({
  resourceType: 'Patient',
  id: OWN_PATIENT,
  identifier: [
    { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] }, system: 'urn:oid:2.16.840.1.113883.19.5', value: PHI.mrn },
    { system: 'http://hl7.org/fhir/sid/us-ssn', value: PHI.ssn },
  ],
  name: [{ family: PHI.family, given: [PHI.given] }],
  birthDate: PHI.birthDate,
});

const PORTAL = { authorization: `Bearer ${PORTAL_JWT}`, cookie: `vigil_sess=${COOKIE_VALUE}; theme=dark` };
const PORTAL_IP = '198.51.100.23';

/** Kong http-log records, in event-time order from `base` (epoch ms). */
export function kongTraffic(base: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let t = base;
  const at = (): number => (t += 1000);
  // The portal user reads its own record (PHI in the body), its observations and medications.
  out.push(kong({ t: at(), method: 'GET', uri: `/fhir/Patient/${OWN_PATIENT}`, status: 200, ip: PORTAL_IP, headers: PORTAL, responseBody: PATIENT_BODY }));
  out.push(kong({ t: at(), method: 'GET', uri: `/fhir/Observation?patient=${OWN_PATIENT}&_count=50`, status: 200, ip: PORTAL_IP, headers: PORTAL }));
  out.push(kong({ t: at(), method: 'GET', uri: `/fhir/Observation/${OBSERVATION_ID}`, status: 200, ip: PORTAL_IP, headers: PORTAL }));
  out.push(kong({ t: at(), method: 'GET', uri: `/fhir/MedicationRequest?subject=Patient/${OWN_PATIENT}`, status: 200, ip: PORTAL_IP, headers: PORTAL }));
  out.push(kong({ t: at(), method: 'GET', uri: `/fhir/MedicationRequest/${MEDICATION_REQUEST_ID}`, status: 200, ip: PORTAL_IP, headers: PORTAL }));
  // A clinician with Basic credentials creates a patient (201 Location) and reads it.
  const clinician = { authorization: `Basic ${BASIC_CREDENTIAL}` };
  out.push(
    kong({
      t: at(),
      method: 'POST',
      uri: '/fhir/Patient',
      status: 201,
      ip: '10.20.4.11',
      headers: clinician,
      requestBody: PATIENT_BODY.replace(OWN_PATIENT, CREATED_PATIENT),
      responseHeaders: { location: `https://fhir.example-health.org/fhir/Patient/${CREATED_PATIENT}/_history/1` },
    }),
  );
  out.push(kong({ t: at(), method: 'GET', uri: `/fhir/Patient/${CREATED_PATIENT}`, status: 200, ip: '10.20.4.11', headers: clinician }));
  // A back-office service with an API key on the custom REST orders API.
  for (const id of ORDER_IDS) {
    out.push(kong({ t: at(), method: 'GET', uri: `/api/orders/${id}?patient=${OWN_PATIENT}`, status: 200, ip: '10.20.9.3', host: 'api.example-health.org', service: 'orders-api', headers: { apikey: API_KEY } }));
  }
  // The portal token reads another patient's record and observations: not its launch patient.
  out.push(kong({ t: at(), method: 'GET', uri: `/fhir/Patient/${OTHER_PATIENT}`, status: 200, ip: PORTAL_IP, headers: PORTAL }));
  out.push(kong({ t: at(), method: 'GET', uri: `/fhir/Observation?subject=Patient/${OTHER_PATIENT}`, status: 200, ip: PORTAL_IP, headers: PORTAL }));
  // An opaque token walks 150 patient ids in a row, one per second.
  for (const id of ENUMERATED) {
    out.push(kong({ t: at(), method: 'GET', uri: `/fhir/Patient/${id}`, status: 200, ip: '203.0.113.66', headers: { authorization: `Bearer ${OPAQUE_TOKEN}` } }));
  }
  return out;
}

/** nginx JSON access log lines (fixtures/nginx/vigil-log-format.conf), after `base`. */
export function nginxLines(base: number): string[] {
  const line = (sec: number, method: string, uri: string, status: number, extra: Record<string, string>): string => {
    const q = uri.indexOf('?');
    return JSON.stringify({
      msec: (base + sec * 1000) / 1000,
      time_iso8601: new Date(base + sec * 1000).toISOString().replace('.000Z', '+00:00'),
      request_method: method,
      scheme: 'https',
      host: 'fhir.example-health.org',
      request_uri: uri,
      uri: q < 0 ? uri : uri.slice(0, q),
      args: q < 0 ? '' : uri.slice(q + 1),
      server_protocol: 'HTTP/1.1',
      status,
      request_length: 512,
      bytes_sent: 900,
      body_bytes_sent: 700,
      request_time: 0.031,
      upstream_response_time: '0.030',
      upstream_addr: '10.20.0.15:8080',
      remote_addr: PORTAL_IP,
      remote_user: '',
      request_id: `ngx${sec.toString(16).padStart(29, '0')}`,
      http_x_request_id: '',
      http_x_forwarded_for: '',
      http_authorization: '',
      http_x_api_key: '',
      http_user_agent: 'HealthApp/4.2',
      http_referer: '',
      http_content_type: '',
      sent_http_location: '',
      sent_http_content_type: 'application/fhir+json',
      ...extra,
    });
  };
  return [
    line(1, 'GET', `/fhir/Observation?patient=${OWN_PATIENT}&category=vital-signs`, 200, { http_authorization: `Bearer ${PORTAL_JWT}` }),
    line(2, 'POST', '/fhir/MedicationRequest', 201, {
      http_authorization: `Bearer ${PORTAL_JWT}`,
      sent_http_location: `/fhir/MedicationRequest/${CREATED_MEDICATION_REQUEST_ID}/_history/1`,
    }),
    line(3, 'GET', `/api/orders/${ORDER_IDS[0] ?? ''}`, 200, { http_x_api_key: API_KEY, host: 'api.example-health.org' }),
  ];
}

/** Vigil native JSON lines (the ApiEvent schema), after `base`. */
export function nativeLines(base: number): string[] {
  const ev = (sec: number, path: string, query: string | undefined, headers: Record<string, string>): string =>
    JSON.stringify({
      time: new Date(base + sec * 1000).toISOString(),
      method: 'GET',
      scheme: 'https',
      host: 'api.example-health.org',
      path,
      ...(query === undefined ? {} : { query }),
      status: 200,
      requestHeaders: { 'user-agent': 'OrdersSync/1.0', ...headers },
      responseHeaders: { 'content-type': 'application/json' },
      responseBytes: 512,
      latencyMs: 12,
      clientIp: '10.20.9.3',
      service: 'orders-api',
    });
  return [
    ev(1, `/api/orders/${ORDER_IDS[1] ?? ''}`, `patient=${OWN_PATIENT}`, { 'x-api-key': API_KEY, cookie: `vigil_sess=${COOKIE_VALUE}` }),
    ev(2, '/api/orders', `subject=Patient/${OWN_PATIENT}&status=active`, { authorization: `Bearer ${OPAQUE_TOKEN}` }),
  ];
}

/**
 * Lines that must be dead-lettered, each carrying a raw patient id and a bearer token: a Kong line
 * cut off mid-object (invalid JSON), a whole Kong record whose status is not a number, and one
 * whose status field holds a patient id (a custom log format with shifted fields): adapters quote
 * the failing value in the reason.
 */
export function deadLetterLines(base: number): string[] {
  const broken = JSON.stringify(kong({ t: base, method: 'GET', uri: `/fhir/Patient/${OWN_PATIENT}`, status: 200, ip: PORTAL_IP, headers: PORTAL }));
  const invalid = JSON.stringify(
    kong({ t: base + 1000, method: 'GET', uri: `/fhir/Observation?patient=${OTHER_PATIENT}`, status: 200, ip: '203.0.113.66', headers: { authorization: `Bearer ${OPAQUE_TOKEN}` } }),
  ).replace('"status":200', '"status":"OK"');
  const shifted = JSON.stringify(
    kong({ t: base + 2000, method: 'GET', uri: `/fhir/Patient/${OWN_PATIENT}`, status: 200, ip: PORTAL_IP, headers: { authorization: `Bearer ${OPAQUE_TOKEN}` } }),
  ).replace('"status":200', `"status":"${OWN_PATIENT}"`);
  return [broken.slice(0, Math.floor(broken.length * 0.6)), invalid, shifted];
}
