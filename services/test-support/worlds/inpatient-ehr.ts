import { createRandom } from '../../../scripts/traffic.js';
import { kongLine, type TimedLine } from '../vigil-replay.js';

/**
 * A hospital's inpatient EHR behind Kong (FHIR R4 plus a small user-admin API), six days of
 * http-log through the real `vigil` binary. Written without reading the detectors: it states what
 * an ideal product would say, not what Vigil is known to say.
 *
 * Five wards of 30 beds, patients discharged and admitted every day (new patient ids daily). On
 * each ward 5 workstations on wheels (one address each) are shared by the ward's nurses across
 * three shifts; each nurse logs in at shift start (a SMART token per machine session, 12 h life),
 * reads the 4-6 patients assigned that shift (reassigned every shift), charts vitals every 2-4 h
 * and records medication administrations. Five hospitalist teams (an attending and two residents)
 * round on 12-20 patients each morning across the wards, admit the patients the ED sends up, and
 * now and then look at results from home over the VPN. Three ED physicians work nights and open
 * 20-40 patients each, many registered that night with consecutive ids. Health-information coders
 * read ~40 discharged patients each a day. A bed-management service polls in-progress Encounters
 * every minute; a quality-reporting service pages through yesterday's Encounters and Observations
 * at 02:00. Two IT administrators edit Practitioner records and user roles a few times a day.
 *
 * Five abuses on the last day (A-E below, each with its window). Times are the hospital's local
 * time; the logs are stamped as if it were UTC, so hours read directly.
 *
 * What Vigil says (2026-12-01, docs/detection-quality.md "An inpatient EHR with shared
 * workstations"): B, C, D and E caught at their first requests (B 20 s in); A missed, and one
 * medium flow-abuse alert on an ED physician. Both are documented limits, asserted as they are so
 * that a change to either shows here.
 */
const T0 = Date.UTC(2026, 10, 23);
export const S = 1000;
export const M = 60 * S;
export const H = 60 * M;
const DAY = 24 * H;
export const DAYS = 6;
const END = T0 + DAYS * DAY;
export const LAST = T0 + (DAYS - 1) * DAY;
const HOST = 'fhir.stbrendan-hospital.example';
const ISS = 'https://sso.stbrendan-hospital.example/oauth2/default';
const EHR_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.87';
export const VPN_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
export const { next: rnd, int, pick, hex } = createRandom(20261123);

export const lines: TimedLine[] = [];
interface Call {
  method?: string;
  uri: string;
  status?: number;
  bytes?: number;
  location?: string;
}
export interface Session {
  bearer: string;
  ip: string;
  ua: string;
}

export function kong(t: number, s: Session, c: Call): void {
  // The world ends with the sixth day; a night shift's tail past it is simply not logged.
  if (t >= END) return;
  const admin = c.uri.startsWith('/admin/');
  const responseHeaders: Record<string, string> = { 'content-type': admin ? 'application/json' : 'application/fhir+json' };
  if (c.location !== undefined) responseHeaders.location = c.location;
  const line = kongLine({
    t,
    method: c.method ?? 'GET',
    uri: c.uri,
    ip: s.ip,
    status: c.status ?? 200,
    host: HOST,
    headers: { 'user-agent': s.ua, authorization: `Bearer ${s.bearer}` },
    route: admin ? 'ehr-admin' : 'fhir-r4',
    service: admin ? 'ehr-admin-api' : 'ehr-fhir',
    responseHeaders,
    responseBytes: c.bytes,
  });
  lines.push({ t, line });
}

export interface Principal {
  sub: string;
  app: string;
  scope: string;
  /** SMART `fhirUser`; absent for backend services (client credentials, no user). */
  fhirUser?: string;
}
const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
export function login(p: Principal, t: number, ip: string, ua: string, life = 12 * H): Session {
  const claims: Record<string, unknown> = { iss: ISS, aud: `https://${HOST}/fhir`, sub: p.sub, client_id: p.app, scope: p.scope, iat: Math.floor(t / 1000), exp: Math.floor((t + life) / 1000), jti: hex(16) };
  if (p.fhirUser !== undefined) claims.fhirUser = p.fhirUser;
  return { bearer: `${enc({ alg: 'RS256', typ: 'JWT', kid: 'sso-2026' })}.${enc(claims)}.${hex(86)}`, ip, ua };
}

const NURSE_SCOPE = 'openid fhirUser user/*.read user/Observation.write user/MedicationAdministration.write';
const PHYSICIAN_SCOPE = 'openid fhirUser user/*.read user/Observation.write user/MedicationRequest.write user/DocumentReference.write user/Condition.write user/ServiceRequest.write';
const CODER_SCOPE = 'openid fhirUser user/Patient.read user/Encounter.read user/Condition.read user/Procedure.read user/DocumentReference.read user/Binary.read';
const ADMIN_SCOPE = 'openid fhirUser user/*.read user/Practitioner.write admin';
const EHR_APP = 'carebridge-web';
let nextEmployee = 104_200;
let nextPractitioner = 58_100;
function staff(scope: string, app = EHR_APP): Principal {
  return { sub: `E${nextEmployee++}`, app, scope, fhirUser: `Practitioner/${nextPractitioner++}` };
}

const day0 = (d: number) => T0 + d * DAY;
const isoDate = (t: number) => new Date(t).toISOString().slice(0, 10);
export const vpnIp = () => `10.250.${int(0, 15)}.${int(2, 254)}`;
export function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
  }
  return xs;
}

// ---- Patients: stays on the wards, ED visits, the coding queue --------------------------------

/** Numbers below this were registered before the week (returning patients); new ones count up from it. */
export const REGISTERED = 1_184_310;
export let nextPid = REGISTERED;
const usedPids = new Set<number>();
function returningPid(): number {
  for (;;) {
    const p = int(1_000_000, REGISTERED - 1);
    if (!usedPids.has(p)) {
      usedPids.add(p);
      return p;
    }
  }
}
const newPid = () => nextPid++;

interface Stay {
  pid: number;
  ward: number;
  team: number;
  from: number;
  to: number;
}
export const WARDS = 5;
export const BEDS = 30;
const TEAMS = 5;
export const stays: Stay[] = [];
/** Discharged patients (ward and ED) waiting to be coded, with when they left. */
const codingQueue: { pid: number; left: number }[] = [];
let nextObservation = 48_000_000;
let nextMedAdmin = 9_100_000;
let nextDocument = 3_700_000;
let nextMedRequest = 6_200_000;
let nextCondition = 2_900_000;
const created = (type: string, id: number) => `https://${HOST}/fhir/${type}/${id}/_history/1`;

// ED nights: arrivals 19:00-06:30, each seen by one of the three night physicians.
interface EdVisit {
  pid: number;
  arrival: number;
  doc: number;
  admitted: boolean;
}
const edNights: EdVisit[][] = [];
for (let d = 0; d < DAYS; d++) {
  const visits: EdVisit[] = [];
  for (let doc = 0; doc < 3; doc++) for (let k = int(20, 40); k > 0; k--) visits.push({ pid: 0, arrival: day0(d) + 19 * H + int(0, 690) * M, doc, admitted: rnd() < 0.3 });
  visits.sort((a, b) => a.arrival - b.arrival);
  // Registration hands out numbers in arrival order, so one physician's new patients carry
  // near-consecutive ids: a look-alike of an id walk.
  for (const v of visits) v.pid = rnd() < 0.4 ? newPid() : returningPid();
  edNights.push(visits);
}

// Ward census: 30 patients per ward on the first morning, then 4-6 discharges (10:00-15:00) and
// as many admissions (13:00-21:00) every day, from last night's ED or elective (new ids).
const wardBeds: Stay[][] = Array.from({ length: WARDS }, (_, w) =>
  Array.from({ length: BEDS }, () => {
    const s: Stay = { pid: returningPid(), ward: w, team: int(0, TEAMS - 1), from: T0 - int(1, 8) * DAY - int(0, 12) * H, to: END };
    stays.push(s);
    return s;
  }),
);
for (let d = 0; d < DAYS; d++) {
  const fromEd = d === 0 ? [] : shuffle((edNights[d - 1] as EdVisit[]).filter((v) => v.admitted).map((v) => v.pid));
  for (let w = 0; w < WARDS; w++) {
    const beds = wardBeds[w] as Stay[];
    const leaving = shuffle(beds.map((_, i) => i).filter((i) => (beds[i] as Stay).from < day0(d) - 12 * H)).slice(0, int(4, 6));
    for (const i of leaving) {
      const out = beds[i] as Stay;
      out.to = day0(d) + int(10, 14) * H + int(0, 59) * M;
      codingQueue.push({ pid: out.pid, left: out.to });
      const s: Stay = { pid: fromEd.pop() ?? newPid(), ward: w, team: int(0, TEAMS - 1), from: Math.max(out.to + H, day0(d) + int(13, 20) * H + int(0, 59) * M), to: END };
      stays.push(s);
      beds[i] = s;
    }
  }
  for (const v of edNights[d] as EdVisit[]) if (!v.admitted) codingQueue.push({ pid: v.pid, left: v.arrival + int(2, 6) * H });
}
export const census = (ward: number, t: number) => stays.filter((s) => s.ward === ward && s.from <= t && t < s.to);

// ---- 1. Nurses on shared workstations on wheels ----------------------------------------------

export interface Nurse extends Principal {
  ward: number;
  shift: number;
  /** The workstation the nurse usually takes. */
  wow: string;
}
const wows = (w: number) => Array.from({ length: 5 }, (_, k) => `10.12.${w + 1}.${21 + k}`);
const SHIFTS = [
  { start: 7, pool: 9, onDuty: 7, meds: [9, 13] },
  { start: 15, pool: 8, onDuty: 6, meds: [17, 21] },
  { start: 23, pool: 7, onDuty: 5, meds: [25, 29] },
];
export const nurses: Nurse[] = [];
for (let w = 0; w < WARDS; w++) {
  SHIFTS.forEach((sh, shift) => {
    for (let k = 0; k < sh.pool; k++) nurses.push({ ...staff(NURSE_SCOPE), ward: w, shift, wow: pick(wows(w)) });
  });
}
/** Each nurse's first machine session of every shift, for the abuses to act in. */
export const nurseSessions = new Map<string, { from: number; s: Session }[]>();

function nurseShift(n: Nurse, patients: Stay[], start: number): void {
  const end = start + 8 * H;
  const mine = rnd() < 0.75 ? n.wow : pick(wows(n.ward));
  const first = login(n, start + int(0, 15) * M, mine, EHR_UA);
  const sessions = nurseSessions.get(n.sub) ?? [];
  sessions.push({ from: start, s: first });
  nurseSessions.set(n.sub, sessions);
  // A quarter of shifts the nurse also charts at a second cart closer to some rooms: another login.
  const secondAt = start + int(1, 4) * H;
  const second = rnd() < 0.25 ? login(n, secondAt, pick(wows(n.ward).filter((ip) => ip !== mine)), EHR_UA) : undefined;
  const at = (t: number) => (second !== undefined && t > secondAt && rnd() < 0.35 ? second : first);
  for (const p of patients) {
    const from = Math.max(start + 15 * M, p.from + int(10, 30) * M);
    const until = Math.min(end, p.to);
    if (from >= until) continue;
    let t = from + int(0, 40) * M;
    const s = at(t);
    kong(t, s, { uri: `/fhir/Patient/${p.pid}`, bytes: int(2000, 4200) });
    kong(t + int(10, 30) * S, s, { uri: `/fhir/Encounter?patient=${p.pid}&status=in-progress`, bytes: int(3000, 9000) });
    kong(t + int(40, 80) * S, s, { uri: `/fhir/Observation?patient=${p.pid}&category=vital-signs&_sort=-date&_count=20`, bytes: int(12000, 40000) });
    kong(t + int(90, 150) * S, s, { uri: `/fhir/MedicationRequest?patient=${p.pid}&status=active`, bytes: int(4000, 18000) });
    if (rnd() < 0.3) kong(t + int(160, 240) * S, s, { uri: `/fhir/Condition?patient=${p.pid}&clinical-status=active`, bytes: int(2000, 9000) });
    // Vitals every 2-4 hours.
    for (t += int(60, 120) * M; t < until; t += int(120, 240) * M) {
      const v = at(t);
      const id = nextObservation++;
      kong(t, v, { method: 'POST', uri: '/fhir/Observation', status: 201, bytes: 1200, location: created('Observation', id) });
      if (rnd() < 0.4) kong(t + int(20, 90) * S, v, { uri: `/fhir/Observation?patient=${p.pid}&category=vital-signs&_sort=-date&_count=20`, bytes: int(12000, 40000) });
    }
    // Scheduled medication passes, plus an as-needed dose now and then.
    for (const hour of SHIFTS[n.shift]?.meds ?? []) {
      // The night shift's passes (hours 25 and 29) fall on the next calendar day.
      const due = day0(Math.floor((start - T0) / DAY)) + hour * H + int(-30, 30) * M;
      if (due < from || due >= until) continue;
      const v = at(due);
      kong(due, v, { uri: `/fhir/MedicationRequest?patient=${p.pid}&status=active`, bytes: int(4000, 18000) });
      for (let k = int(1, 3); k > 0; k--) kong(due + k * int(40, 120) * S, v, { method: 'POST', uri: '/fhir/MedicationAdministration', status: 201, bytes: 900, location: created('MedicationAdministration', nextMedAdmin++) });
    }
    if (rnd() < 0.2) {
      const prn = from + int(30, 400) * M;
      if (prn < until) kong(prn, at(prn), { method: 'POST', uri: '/fhir/MedicationAdministration', status: 201, bytes: 900, location: created('MedicationAdministration', nextMedAdmin++) });
    }
  }
}

// ---- 2. Hospitalist teams ------------------------------------------------------------------

interface Physician extends Principal {
  team: number;
}
const teams: Physician[][] = Array.from({ length: TEAMS }, (_, team) => Array.from({ length: 3 }, () => ({ ...staff(PHYSICIAN_SCOPE), team })));
export const hospitalists = teams.flat();
const WORKROOM = Array.from({ length: 8 }, (_, k) => `10.30.1.${40 + k}`);

/** Reads one patient's chart the way a physician does on rounds or at admission. */
function chart(s: Session, t: number, pid: number, write: boolean): number {
  kong(t, s, { uri: `/fhir/Patient/${pid}`, bytes: int(2000, 4200) });
  kong((t += int(15, 40) * S), s, { uri: `/fhir/Observation?patient=${pid}&category=vital-signs&_sort=-date&_count=50`, bytes: int(20000, 70000) });
  kong((t += int(20, 60) * S), s, { uri: `/fhir/Observation?patient=${pid}&category=laboratory&date=ge${isoDate(t - 2 * DAY)}`, bytes: int(8000, 60000) });
  kong((t += int(20, 60) * S), s, { uri: `/fhir/MedicationRequest?patient=${pid}&status=active`, bytes: int(4000, 18000) });
  kong((t += int(20, 60) * S), s, { uri: `/fhir/DocumentReference?patient=${pid}&type=http://loinc.org|11506-3&_sort=-date&_count=5`, bytes: int(6000, 30000) });
  if (rnd() < 0.3) kong((t += int(10, 30) * S), s, { uri: `/fhir/Condition?patient=${pid}`, bytes: int(2000, 9000) });
  if (write && rnd() < 0.5) kong((t += int(2, 6) * M), s, { method: 'POST', uri: '/fhir/DocumentReference', status: 201, bytes: 1100, location: created('DocumentReference', nextDocument++) });
  if (write && rnd() < 0.25) kong((t += int(30, 90) * S), s, { method: 'POST', uri: '/fhir/MedicationRequest', status: 201, bytes: 1300, location: created('MedicationRequest', nextMedRequest++) });
  return t;
}

function roundingMorning(doc: Physician, d: number): void {
  const teamPatients = shuffle(stays.filter((s) => s.team === doc.team && s.from <= day0(d) + 7 * H && day0(d) + 9 * H < s.to));
  const list = teamPatients.slice(0, Math.min(teamPatients.length, int(12, 20)));
  let t = day0(d) + 7 * H + int(20, 50) * M;
  const desk = login(doc, t, pick(WORKROOM), EHR_UA);
  // Physicians badge into a cart on the ward they are on: a new machine session, and so a new token.
  const carts = new Map<number, Session>();
  for (const p of list) {
    let s = desk;
    if (rnd() < 0.3) {
      s = carts.get(p.ward) ?? login(doc, t, pick(wows(p.ward)), EHR_UA);
      carts.set(p.ward, s);
    }
    t = chart(s, t, p.pid, true) + int(3, 12) * M;
  }
}

/** When each physician is next free: one admission at a time, as one person works them up. */
const busyUntil = new Map<Physician, number>();
function admit(p: Stay): void {
  const doc = pick([teams[p.team]?.[1], teams[p.team]?.[2]]) as Physician;
  const t = Math.max(p.from + int(15, 60) * M, busyUntil.get(doc) ?? 0);
  const s = login(doc, t - int(1, 5) * M, pick(WORKROOM), EHR_UA);
  kong(t, s, { uri: `/fhir/Encounter?patient=${p.pid}&_sort=-date`, bytes: int(3000, 12000) });
  kong(t + int(20, 60) * S, s, { uri: `/fhir/DocumentReference?patient=${p.pid}&type=http://loinc.org|34111-5`, bytes: int(5000, 25000) });
  let u = chart(s, t + 2 * M, p.pid, false);
  kong((u += int(10, 25) * M), s, { method: 'POST', uri: '/fhir/DocumentReference', status: 201, bytes: 1100, location: created('DocumentReference', nextDocument++) });
  for (let k = int(2, 5); k > 0; k--) kong((u += int(30, 120) * S), s, { method: 'POST', uri: '/fhir/MedicationRequest', status: 201, bytes: 1300, location: created('MedicationRequest', nextMedRequest++) });
  if (rnd() < 0.5) kong((u += int(1, 3) * M), s, { method: 'POST', uri: '/fhir/Condition', status: 201, bytes: 900, location: created('Condition', nextCondition++) });
  busyUntil.set(doc, u + int(5, 15) * M);
}

/** An evening look at results from home, over the VPN (a new address per connection). */
function fromHome(doc: Physician, d: number): void {
  // Not while still admitting on the ward.
  let t = Math.max(day0(d) + 20 * H + int(0, 150) * M, (busyUntil.get(doc) ?? 0) + 30 * M);
  const s = login(doc, t, vpnIp(), VPN_UA);
  const mine = shuffle(stays.filter((p) => p.team === doc.team && p.from <= t && t < p.to)).slice(0, int(2, 5));
  for (const p of mine) {
    kong(t, s, { uri: `/fhir/Observation?patient=${p.pid}&category=laboratory&date=ge${isoDate(t)}`, bytes: int(4000, 30000) });
    kong((t += int(30, 120) * S), s, { uri: `/fhir/DocumentReference?patient=${p.pid}&_sort=-date&_count=5`, bytes: int(6000, 30000) });
    t += int(2, 8) * M;
  }
}

// ---- 3. ED night physicians ----------------------------------------------------------------

export const edDocs: Physician[] = Array.from({ length: 3 }, () => ({ ...staff(PHYSICIAN_SCOPE), team: -1 }));
const ED_DESKS = Array.from({ length: 6 }, (_, k) => `10.60.2.${10 + k}`);

function edNight(visits: EdVisit[], doc: number, d: number): void {
  const p = edDocs[doc] as Physician;
  // A new login at each of the 2-3 ED workstations the physician ends up using that night.
  const desks = shuffle([...ED_DESKS])
    .slice(0, int(2, 3))
    .map((ip, k) => {
      const at = day0(d) + 19 * H + k * int(1, 4) * H;
      return { at, s: login(p, at, ip, EHR_UA) };
    });
  for (const v of visits) {
    if (v.doc !== doc) continue;
    let t = v.arrival + int(5, 40) * M;
    const s = pick(desks.filter((x) => x.at <= t)).s;
    kong(t, s, { uri: `/fhir/Patient/${v.pid}`, bytes: int(1500, 4200) });
    kong((t += int(10, 30) * S), s, { uri: `/fhir/Encounter?patient=${v.pid}&_sort=-date&_count=10`, bytes: int(1500, 12000) });
    kong((t += int(10, 40) * S), s, { uri: `/fhir/Observation?patient=${v.pid}&category=vital-signs&_sort=-date`, bytes: int(3000, 20000) });
    kong((t += int(10, 40) * S), s, { uri: `/fhir/Condition?patient=${v.pid}`, bytes: int(800, 9000) });
    kong((t += int(10, 40) * S), s, { uri: `/fhir/MedicationRequest?patient=${v.pid}`, bytes: int(800, 15000) });
    if (rnd() < 0.5) kong((t += int(10, 40) * S), s, { uri: `/fhir/DocumentReference?patient=${v.pid}&_sort=-date&_count=10`, bytes: int(800, 30000) });
    kong((t += int(30, 90) * M), s, { uri: `/fhir/Observation?patient=${v.pid}&category=laboratory&date=ge${isoDate(t)}`, bytes: int(4000, 30000) });
    if (rnd() < 0.5) kong((t += int(1, 5) * M), s, { method: 'POST', uri: '/fhir/MedicationRequest', status: 201, bytes: 1300, location: created('MedicationRequest', nextMedRequest++) });
    if (rnd() < 0.4) kong((t += int(1, 5) * M), s, { method: 'POST', uri: '/fhir/Condition', status: 201, bytes: 900, location: created('Condition', nextCondition++) });
    kong((t += int(20, 90) * M), s, { method: 'POST', uri: '/fhir/DocumentReference', status: 201, bytes: 1100, location: created('DocumentReference', nextDocument++) });
  }
}

// ---- 4. Backend services: bed management and quality reporting ------------------------------

export const bedBoard: Principal = { sub: 'bedboard-adt', app: 'bedboard-adt', scope: 'system/Encounter.read system/Location.read system/Patient.read' };
const BEDBOARD = { ip: '10.10.5.21', ua: 'BedBoard-ADT/4.2 (Java/17.0.9; HAPI-FHIR 6.10.0)' };
export const quality: Principal = { sub: 'qualitymetrics-etl', app: 'qualitymetrics-etl', scope: 'system/Encounter.read system/Observation.read' };
export const QUALITY = { ip: '10.10.7.40', ua: 'QualityMetrics-ETL/2.8 (python-fhirclient 4.2)' };

export let bedBoardRetries = 0;
function bedBoardPolls(): void {
  let s = login(bedBoard, T0, BEDBOARD.ip, BEDBOARD.ua, H);
  let issued = T0;
  for (let t = T0 + int(0, 59) * S; t < END; t += 60 * S + int(-2, 2) * S) {
    // Client-credentials tokens last an hour; the service asks for a new one a little before.
    if (t - issued > 55 * M) {
      s = login(bedBoard, t, BEDBOARD.ip, BEDBOARD.ua, H);
      issued = t;
    }
    const uri = '/fhir/Encounter?status=in-progress&_count=100';
    if (rnd() < 0.003) {
      // The FHIR server's occasional 503 under load; the poller retries five seconds later.
      bedBoardRetries++;
      kong(t, s, { uri, status: 503, bytes: 180 });
      kong(t + 5 * S, s, { uri, bytes: int(150_000, 190_000) });
    } else kong(t, s, { uri, bytes: int(150_000, 190_000) });
  }
}

export let nightlyPages = 0;
function qualityNight(d: number): void {
  let t = day0(d) + 2 * H + int(0, 4) * M;
  const s = login(quality, t, QUALITY.ip, QUALITY.ua, H);
  const range = `date=ge${isoDate(day0(d) - DAY)}&date=lt${isoDate(day0(d))}`;
  const encounterPages = int(55, 65);
  const pages = int(195, 205);
  for (let k = 1; k <= pages; k++) {
    const type = k <= encounterPages ? 'Encounter' : 'Observation';
    const page = k <= encounterPages ? k : k - encounterPages;
    const uri = `/fhir/${type}?${range}&_count=100${page > 1 ? `&_page=${page}` : ''}`;
    kong(t, s, { uri, bytes: type === 'Encounter' ? int(150_000, 220_000) : int(110_000, 170_000) });
    nightlyPages++;
    t += int(9, 13) * S;
  }
}

// ---- 5. Health-information coders ----------------------------------------------------------

export const coders: Principal[] = Array.from({ length: 4 }, () => staff(CODER_SCOPE));
const CODER_DESKS = ['10.40.3.15', '10.40.3.16'];
export let coded = 0;
function coderDay(c: Principal, k: number, d: number): void {
  let t = day0(d) + 8 * H + int(20, 45) * M;
  // Two code on site, two from home over the VPN.
  const s = login(c, t, k < 2 ? (CODER_DESKS[k] as string) : vpnIp(), k < 2 ? EHR_UA : VPN_UA);
  const ready = codingQueue.filter((q) => q.left < day0(d));
  const todo: number[] = [];
  for (let n = int(35, 45); n > 0; n--) {
    // Before the week's discharges reach the queue, coders work through last week's backlog.
    const q = ready.shift();
    if (q !== undefined) codingQueue.splice(codingQueue.indexOf(q), 1);
    todo.push(q?.pid ?? returningPid());
  }
  for (const pid of todo) {
    if (t > day0(d) + 12 * H && t < day0(d) + 12 * H + 40 * M) t += 40 * M;
    if (rnd() < 0.5) kong(t, s, { uri: `/fhir/Patient/${pid}`, bytes: int(2000, 4200) });
    kong((t += int(10, 30) * S), s, { uri: `/fhir/Encounter?patient=${pid}&status=finished&_sort=-date`, bytes: int(3000, 12000) });
    kong((t += int(20, 60) * S), s, { uri: `/fhir/Condition?patient=${pid}`, bytes: int(2000, 9000) });
    kong((t += int(20, 60) * S), s, { uri: `/fhir/DocumentReference?patient=${pid}&_count=50`, bytes: int(8000, 40000) });
    for (let n = int(1, 3); n > 0; n--) kong((t += int(1, 4) * M), s, { uri: `/fhir/Binary/${int(3_000_000, 3_699_999)}`, bytes: int(20_000, 250_000) });
    if (rnd() < 0.3) kong((t += int(20, 60) * S), s, { uri: `/fhir/Procedure?patient=${pid}`, bytes: int(1500, 8000) });
    t += int(3, 8) * M;
    coded++;
  }
}

// ---- IT administrators ---------------------------------------------------------------------

export const itAdmins: Principal[] = Array.from({ length: 2 }, () => staff(ADMIN_SCOPE));
const IT_DESKS = ['10.50.1.10', '10.50.1.11'];
export const userId = () => int(20_000, 29_999);
function adminDay(a: Principal, k: number, d: number): void {
  let t = day0(d) + 9 * H + int(0, 60) * M;
  const s = login(a, t, IT_DESKS[k] as string, EHR_UA);
  for (let n = int(3, 6); n > 0; n--) {
    if (rnd() < 0.5) {
      const uid = userId();
      kong(t, s, { uri: `/admin/users?search=${hex(5)}`, bytes: int(800, 4000) });
      kong(t + int(20, 90) * S, s, { uri: `/admin/users/${uid}`, bytes: int(900, 2000) });
      kong(t + int(100, 200) * S, s, { method: 'POST', uri: `/admin/users/${uid}/roles`, bytes: 600 });
    } else {
      const pr = int(50_000, 58_999);
      kong(t, s, { uri: `/fhir/Practitioner/${pr}`, bytes: int(1500, 3500) });
      kong(t + int(60, 240) * S, s, { method: 'PUT', uri: `/fhir/Practitioner/${pr}`, bytes: int(1500, 3500) });
    }
    t += int(40, 100) * M;
  }
}

// ---- Six ordinary days ---------------------------------------------------------------------

export const A_START = LAST + 13 * H + 10 * M;
export const C_START = LAST + 10 * H + 20 * M;
export const D_START = LAST + 17 * H + 40 * M;
export const snoop = nurses.find((n) => n.ward === 0 && n.shift === 0) as Nurse;
export const robbed = nurses.find((n) => n.ward === 1 && n.shift === 0) as Nurse;
export const climber = nurses.find((n) => n.ward === 2 && n.shift === 1) as Nurse;
export const leaver = teams[3]?.[1] as Physician;

for (let d = 0; d < DAYS; d++) {
  for (let w = 0; w < WARDS; w++) {
    SHIFTS.forEach((sh, shift) => {
      const start = day0(d) + sh.start * H;
      const pool = nurses.filter((n) => n.ward === w && n.shift === shift);
      // The three nurses abused on the last day are on duty then.
      const must = d === DAYS - 1 ? pool.filter((n) => n === snoop || n === robbed || n === climber) : [];
      const onDuty = [...must, ...shuffle(pool.filter((n) => !must.includes(n)))].slice(0, sh.onDuty);
      const here = shuffle(census(w, start + 30 * M));
      const later = stays.filter((s) => s.ward === w && s.from > start + 30 * M && s.from < start + 8 * H);
      const assigned = onDuty.map(() => [] as Stay[]);
      here.forEach((p, i) => assigned[i % onDuty.length]?.push(p));
      for (const p of later) pick(assigned).push(p);
      onDuty.forEach((n, i) => nurseShift(n, assigned[i] as Stay[], start));
    });
  }
  for (const doc of hospitalists) if (rnd() < 0.85) roundingMorning(doc, d);
  for (const p of stays.filter((x) => x.from >= day0(d) && x.from < day0(d + 1) && x.from > T0).sort((a, b) => a.from - b.from)) admit(p);
  for (const doc of hospitalists) if (rnd() < 0.25 || (doc === leaver && d < DAYS - 1 && rnd() < 0.5)) fromHome(doc, d);
  for (let doc = 0; doc < 3; doc++) edNight(edNights[d] as EdVisit[], doc, d);
  qualityNight(d);
  coders.forEach((c, k) => coderDay(c, k, d));
  itAdmins.forEach((a, k) => adminDay(a, k, d));
}
bedBoardPolls();
