import { createRandom } from '../../../scripts/traffic.js';
import { kongLine, type TimedLine } from '../vigil-replay.js';

/**
 * A retail pharmacy chain's prescription and refill REST API behind Kong, six days of http-log
 * through the real `vigil` binary. Written without reading the detectors: it states what an ideal
 * product would say, not what Vigil is known to say.
 *
 * 2,000 patients on the mobile app (home wifi and carrier CGNAT, iOS and Android, an app update
 * mid-week) refill their one to three chronic prescriptions about monthly, check the status, and
 * now and then cancel a refill they just placed and place it again. 80 caregivers with proxy access
 * manage two to five family members' prescriptions from one account. 20 stores, three pharmacists
 * each, one on duty per day (09:00-21:00): the queue screen polls every 30-60 s while it is open,
 * and the pharmacist opens ~100-130 refills a shift (app refills and the phone and e-prescription
 * ones that reach the API only through the queue) and PATCHes their status. An auto-refill service
 * (client credentials) POSTs ~600 refills at 03:00, a different prescription each; a reminder
 * service pages through the refills due each morning. Two insurers, Kong key-auth consumers from
 * fixed addresses, check the claim of every refill of their members, ~1,000 a day each. Three
 * administrators use the admin API.
 *
 * Five abuses on the last day (A-E below, each with its window). The logs are stamped as if the
 * chain's local time were UTC, so hours read directly.
 *
 * What Vigil says (2026-12-01, this seed; seeds 7 and 31337 the same): each abuse named on its
 * principal, B, D and E at their first request, C's proxy pool 50 s in (on the login route), A at
 * its fifth POST, 78 minutes in. First written to the ideal, three tests failed: bola/enumeration on
 * the auto-refill batch's first nights and on each insurer's claim checks on one or more mornings,
 * when the night's auto-refills and phone-ins are filled from 09:00. The mornings were fixed (a
 * machine's slow-enumeration allowance starts from its busiest window of the last day); the two
 * first-day cold starts were asserted as they were until a machine credential's first day became
 * its learning day (2026-12-01): nothing on any benign principal now (docs/detection-quality.md).
 */
const T0 = Date.UTC(2026, 10, 9);
export const S = 1000;
export const M = 60 * S;
export const H = 60 * M;
export const DAY = 24 * H;
export const DAYS = 6;
const END = T0 + DAYS * DAY;
export const LAST = T0 + (DAYS - 1) * DAY;
const HOST = 'api.rxcare-pharmacy.example';
const ISS = 'https://auth.rxcare-pharmacy.example';
export const TOKEN = '/api/v2/auth/token';
const SEED = 20261109;
export const { next: rnd, int, pick, hex, uuid } = createRandom(SEED);

export const lines: TimedLine[] = [];
export interface Insurer {
  name: string;
  consumerId: string;
  credentialId: string;
  key: string;
  ips: string[];
  ua: string;
}
/** Who is calling, as the gateway sees it: a bearer JWT, a partner's API key, or nothing (logins). */
export interface Caller {
  ip: string;
  ua: string;
  bearer?: string;
  insurer?: Insurer;
}
interface Call {
  method?: string;
  uri: string;
  status?: number;
  bytes?: number;
  location?: string;
}

function kongRoute(uri: string): { route: string; service: string } {
  if (uri.startsWith('/api/v2/auth/')) return { route: 'auth-token', service: 'identity' };
  if (uri.startsWith('/api/v2/admin/')) return { route: 'rx-admin', service: 'pharmacy-admin' };
  return { route: 'rx-api', service: 'pharmacy-core' };
}

export function kong(t: number, who: Caller, c: Call): void {
  // The world ends with the sixth day; what would come after is simply not logged.
  if (t >= END) return;
  const headers: Record<string, string> = { 'user-agent': who.ua };
  if (who.bearer !== undefined) headers.authorization = `Bearer ${who.bearer}`;
  if (who.insurer !== undefined) headers.apikey = who.insurer.key;
  const responseHeaders: Record<string, string> = {};
  if (c.location !== undefined) responseHeaders.location = c.location;
  let line = kongLine({ t, method: c.method ?? 'GET', uri: c.uri, ip: who.ip, status: c.status ?? 200, host: HOST, headers, ...kongRoute(c.uri), responseHeaders, responseBytes: c.bytes });
  if (who.insurer !== undefined) {
    // Kong's key-auth names the consumer and the credential it matched in every record it logs.
    const record = JSON.parse(line) as Record<string, unknown>;
    record.consumer = { id: who.insurer.consumerId, username: who.insurer.name, created_at: 1_735_689_600 };
    record.authenticated_entity = { id: who.insurer.credentialId, consumer_id: who.insurer.consumerId };
    line = JSON.stringify(record);
  }
  lines.push({ t, line });
}

export interface Account {
  sub: string;
  app: string;
  scope: string;
}
const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
export function jwt(a: Account, t: number, life = H): string {
  const claims = { iss: ISS, aud: 'rxcare-api', sub: a.sub, client_id: a.app, scope: a.scope, iat: Math.floor(t / 1000), exp: Math.floor((t + life) / 1000), jti: hex(16) };
  return `${enc({ alg: 'RS256', typ: 'JWT', kid: 'rx-2026-10' })}.${enc(claims)}.${hex(86)}`;
}

export const day0 = (d: number) => T0 + d * DAY;
export const isoDate = (t: number) => new Date(t).toISOString().slice(0, 10);
export function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
  }
  return xs;
}
function uniqueInts(min: number, max: number): () => number {
  const used = new Set<number>();
  return () => {
    for (;;) {
      const n = int(min, max);
      if (!used.has(n)) {
        used.add(n);
        return n;
      }
    }
  };
}
const patientId = uniqueInts(1_000_000, 9_999_999);
export const rxId = uniqueInts(20_000_000, 69_999_999);
const RESIDENTIAL = [24, 67, 68, 71, 73, 76, 98, 99, 107, 108];
export const homeIp = () => `${pick(RESIDENTIAL)}.${int(0, 255)}.${int(0, 255)}.${int(2, 254)}`;
// Carrier-grade NAT: a few hundred egress addresses carry every phone on cellular data, so
// unrelated patients (and their occasional mistyped passwords) share them.
const CARRIER = Array.from({ length: 300 }, () => `${pick(['172.56', '172.58', '174.205', '166.205'])}.${int(0, 63)}.${int(1, 254)}`);

// ---- Stores, insurers, refills ---------------------------------------------------------------

export interface Store {
  id: number;
  ip: string;
  pharmacists: Account[];
  /** Refills waiting for the pharmacist on duty. */
  backlog: Refill[];
}
interface Refill {
  id: string;
  rx: number;
  store: Store;
  created: number;
  insurer: Insurer | undefined;
  /** Placed by a patient or caregiver on the app (the refills D's key goes after). */
  onApp?: boolean;
  /** Set when the patient (or anyone) cancels it. */
  cancelled?: number;
  filled?: number;
}
const PHARMACIST_SCOPE = 'pharmacy:queue rx:read rx:fill';
let nextEmployee = 40_310;
/** The next staff id (pharmacists here, administrators on the last day's module). */
export const employeeId = (): number => nextEmployee++;
export const stores: Store[] = Array.from({ length: 20 }, (_, k) => ({
  id: 1104 + k * 17,
  ip: `${pick(['12.161', '50.203', '64.129', '96.74'])}.${int(0, 255)}.${int(2, 254)}`,
  pharmacists: Array.from({ length: 3 }, () => ({ sub: `rph-${employeeId()}`, app: 'rxpro-workstation', scope: PHARMACIST_SCOPE })),
  backlog: [],
}));
export const insurers: Insurer[] = [
  { name: 'meridian-pbm', ips: ['198.51.100.24', '198.51.100.25'], ua: 'Apache-HttpClient/4.5.14 (Java/17.0.10)' },
  { name: 'northstar-rx-claims', ips: ['203.0.113.70', '203.0.113.71'], ua: 'python-requests/2.31.0' },
].map((x) => ({ ...x, consumerId: uuid(), credentialId: uuid(), key: hex(32) }));
export const [MERIDIAN, NORTHSTAR] = insurers as [Insurer, Insurer];
/** A member's plan: most are with one of the two insurers, a tenth pay cash. */
export const plan = () => (rnd() < 0.45 ? MERIDIAN : rnd() < 0.82 ? NORTHSTAR : undefined);

export const refills: Refill[] = [];
export function newRefill(rx: number, store: Store, created: number, insurer: Insurer | undefined): Refill {
  const r: Refill = { id: uuid(), rx, store, created, insurer };
  refills.push(r);
  // Every refill lands in its store's queue, whichever way it was placed.
  store.backlog.push(r);
  return r;
}

// ---- 1. Patients on the mobile app -----------------------------------------------------------

const PATIENT_SCOPE = 'rx:read rx:refill';
const APP = 'rxcare-mobile';
export interface Patient {
  acct: Account;
  pid: number;
  rxs: number[];
  store: Store;
  insurer: Insurer | undefined;
  home: string;
  ua: (t: number) => string;
}
export const IOS = (v: string, build: string) => `RxCare/${v} (com.rxcare.app; build:${build}; iOS 17.6.1) Alamofire/5.9.1`;
export const ANDROID = (v: string, device: string) => `RxCare/${v} (Android 14; ${device}) okhttp/4.12.0`;
const DEVICES = ['Pixel 7', 'SM-S911B', 'SM-A546U', 'moto g 5G', 'Pixel 8 Pro'];
function appUa(): (t: number) => string {
  if (rnd() < 0.55) {
    // Half the iPhone users take the 6.4.1 update when it ships on the third day.
    const old = IOS('6.4.0', '6400');
    const updated = IOS('6.4.1', '6410');
    const takes = rnd() < 0.5 ? day0(2) + int(0, 3 * 24) * H : Infinity;
    return (t) => (t >= takes ? updated : old);
  }
  const ua = ANDROID(pick(['6.3.2', '6.4.0', '6.4.0']), pick(DEVICES));
  return () => ua;
}
export const patients: Patient[] = Array.from({ length: 2000 }, (_, k) => ({
  acct: { sub: `acct-${uuid()}`, app: APP, scope: PATIENT_SCOPE },
  pid: patientId(),
  rxs: Array.from({ length: int(1, 3) }, rxId),
  store: stores[k % stores.length] as Store,
  insurer: plan(),
  home: homeIp(),
  ua: appUa(),
}));

export let typos = 0;
/**
 * Opens the app: it trades its refresh token at the token endpoint (or, one time in ten, the user
 * types the password, sometimes wrongly first). Returns the caller and the time after.
 */
export function openApp(a: Account, t: number, ip: string, ua: string): { who: Caller; t: number } {
  if (rnd() < 0.1 && rnd() < 0.25) {
    typos++;
    kong(t, { ip, ua }, { method: 'POST', uri: TOKEN, status: 401, bytes: 190 });
    t += int(8, 40) * S;
  }
  kong(t, { ip, ua }, { method: 'POST', uri: TOKEN, bytes: 1650 });
  return { who: { ip, ua, bearer: jwt(a, t) }, t: t + int(1, 3) * S };
}
export const listUri = (pid: number) => `/api/v2/patients/${pid}/prescriptions`;

export let mistakes = 0;
/** Places a refill; one time in twenty the patient cancels it at once (wrong pickup time) and places it again. */
export function placeRefill(who: Caller, t: number, rx: number, store: Store, insurer: Insurer | undefined): { refill: Refill; t: number } {
  let r = newRefill(rx, store, t, insurer);
  r.onApp = true;
  kong(t, who, { method: 'POST', uri: `/api/v2/prescriptions/${rx}/refills`, status: 201, bytes: 1100, location: `/api/v2/refills/${r.id}` });
  kong((t += int(1, 3) * S), who, { uri: `/api/v2/refills/${r.id}`, bytes: int(1100, 1500) });
  if (rnd() < 0.05) {
    mistakes++;
    r.cancelled = t += int(20, 120) * S;
    kong(t, who, { method: 'DELETE', uri: `/api/v2/refills/${r.id}`, status: 204, bytes: 310 });
    r = newRefill(rx, store, (t += int(20, 90) * S), insurer);
    r.onApp = true;
    kong(t, who, { method: 'POST', uri: `/api/v2/prescriptions/${rx}/refills`, status: 201, bytes: 1100, location: `/api/v2/refills/${r.id}` });
    kong((t += int(1, 3) * S), who, { uri: `/api/v2/refills/${r.id}`, bytes: int(1100, 1500) });
  }
  return { refill: r, t: t + int(5, 30) * S };
}
const dayTime = (d: number) => day0(d) + int(7 * 60, 22 * 60) * M + int(0, 59) * S;
const patientNet = (p: Patient) => (rnd() < 0.6 ? p.home : pick(CARRIER));

/** Sessions that only look: the status of refills in flight, and the list now and then. */
function statusCheck(p: { acct: Account; home: string; ua: (t: number) => string }, t: number, ip: string, lists: number[], pending: Refill[]): void {
  const o = openApp(p.acct, t, ip, p.ua(t));
  let at = o.t;
  for (const pid of lists) kong((at += int(2, 20) * S), o.who, { uri: listUri(pid), bytes: int(2500, 9000) });
  for (const r of pending) if (r.cancelled === undefined) kong((at += int(3, 30) * S), o.who, { uri: `/api/v2/refills/${r.id}`, bytes: int(1100, 1500) });
}

/** Sessions per patient before the last day, to pick abusers with a history. */
export const earlier = new Map<Patient, number>();
function patientWeek(p: Patient): void {
  const due = new Map<number, number[]>();
  for (const rx of p.rxs) {
    if (rnd() >= 0.3) continue;
    const d = int(0, DAYS - 1);
    due.set(d, [...(due.get(d) ?? []), rx]);
  }
  const sessions: number[] = [];
  for (const [d, rxs] of due) {
    let t = dayTime(d);
    const ip = patientNet(p);
    const o = openApp(p.acct, t, ip, p.ua(t));
    t = o.t;
    kong(t, o.who, { uri: listUri(p.pid), bytes: int(2500, 9000) });
    t += int(10, 60) * S;
    if (rnd() < 0.5) kong((t += int(5, 30) * S), o.who, { uri: `/api/v2/prescriptions/${rxs[0]}`, bytes: int(1400, 2600) });
    const placed: Refill[] = [];
    for (const rx of rxs) {
      const r = placeRefill(o.who, t, rx, p.store, p.insurer);
      placed.push(r.refill);
      t = r.t;
    }
    sessions.push(o.t);
    let check = t;
    for (let n = int(1, 3); n > 0; n--) {
      check += int(2, 30) * H;
      const lists = rnd() < 0.4 ? [p.pid] : [];
      statusCheck(p, check, patientNet(p), lists, placed);
      sessions.push(check);
    }
  }
  if (due.size === 0 && rnd() < 0.6) {
    const t = dayTime(int(0, DAYS - 1));
    const o = openApp(p.acct, t, patientNet(p), p.ua(t));
    kong(o.t, o.who, { uri: listUri(p.pid), bytes: int(2500, 9000) });
    if (rnd() < 0.5) kong(o.t + int(5, 40) * S, o.who, { uri: `/api/v2/prescriptions/${pick(p.rxs)}`, bytes: int(1400, 2600) });
    sessions.push(t);
  }
  earlier.set(
    p,
    sessions.filter((t) => t < LAST).length,
  );
}
for (const p of patients) patientWeek(p);

// ---- 2. Caregivers with proxy access ---------------------------------------------------------

interface Dependent {
  pid: number;
  rxs: number[];
  insurer: Insurer | undefined;
}
export interface Caregiver {
  acct: Account;
  home: string;
  ua: (t: number) => string;
  store: Store;
  family: Dependent[];
}
export const caregivers: Caregiver[] = Array.from({ length: 80 }, () => ({
  acct: { sub: `acct-${uuid()}`, app: APP, scope: PATIENT_SCOPE },
  home: homeIp(),
  ua: appUa(),
  store: pick(stores),
  family: Array.from({ length: int(2, 5) }, () => ({ pid: patientId(), rxs: Array.from({ length: int(1, 3) }, rxId), insurer: plan() })),
}));
export let proxyRefills = 0;
function caregiverWeek(c: Caregiver): void {
  const dueDay = new Map<number, number>();
  for (const f of c.family) for (const rx of f.rxs) if (rnd() < 0.3) dueDay.set(rx, int(0, DAYS - 1));
  const pending: Refill[] = [];
  for (let d = 0; d < DAYS; d++) {
    const todays = c.family.flatMap((f) => f.rxs.filter((rx) => dueDay.get(rx) === d).map((rx) => ({ f, rx })));
    if (todays.length === 0 && rnd() > 0.55) continue;
    let t = dayTime(d);
    const ip = rnd() < 0.75 ? c.home : pick(CARRIER);
    const o = openApp(c.acct, t, ip, c.ua(t));
    t = o.t;
    // Every session the app shows each managed family member's prescriptions: always the same people.
    for (const f of c.family) kong((t += int(3, 25) * S), o.who, { uri: listUri(f.pid), bytes: int(2500, 9000) });
    for (const r of pending.splice(0)) if (r.cancelled === undefined && rnd() < 0.7) kong((t += int(3, 30) * S), o.who, { uri: `/api/v2/refills/${r.id}`, bytes: int(1100, 1500) });
    for (const { f, rx } of todays) {
      const r = placeRefill(o.who, (t += int(10, 60) * S), rx, c.store, f.insurer);
      pending.push(r.refill);
      proxyRefills++;
      t = r.t;
    }
  }
}
for (const c of caregivers) caregiverWeek(c);

// ---- 4. Auto-refill and reminder services ----------------------------------------------------

export const autoRefill: Account = { sub: 'autorefill-svc', app: 'autorefill-svc', scope: 'rx:refill rx:read' };
const AUTO = { ip: '10.20.4.11', ua: 'rxcare-autorefill/3.2.0 (Java/21.0.4; okhttp/4.12.0)' };
export const reminder: Account = { sub: 'refill-reminder', app: 'refill-reminder', scope: 'rx:read' };
const REMIND = { ip: '10.20.4.27', ua: 'refill-reminder/1.9.4 node-fetch/3.3.2' };
// Prescriptions enrolled in auto-refill come due about monthly: 600 a night, never the same one twice in a week.
const enrolled = Array.from({ length: 18_000 }, () => ({ rx: rxId(), store: pick(stores), insurer: plan() }));
export let autoPosts = 0;
function serviceToken(a: Account, t: number, net: { ip: string; ua: string }): Caller {
  kong(t, net, { method: 'POST', uri: TOKEN, bytes: 1400 });
  return { ...net, bearer: jwt(a, t) };
}
function autoRefillNight(d: number): void {
  let t = day0(d) + 3 * H + int(0, 90) * S;
  let who = serviceToken(autoRefill, t, AUTO);
  let issued = t;
  for (const e of enrolled.slice(d * 620, d * 620 + int(580, 620))) {
    if (t - issued > 50 * M) {
      who = serviceToken(autoRefill, t, AUTO);
      issued = t;
    }
    t += int(1200, 2600);
    const u = rnd();
    // Now and then a prescription has no refills left (422) or the insurer's refill-too-soon rule applies (409).
    if (u < 0.02) kong(t, who, { method: 'POST', uri: `/api/v2/prescriptions/${e.rx}/refills`, status: 422, bytes: 240 });
    else if (u < 0.03) kong(t, who, { method: 'POST', uri: `/api/v2/prescriptions/${e.rx}/refills`, status: 409, bytes: 240 });
    else {
      const r = newRefill(e.rx, e.store, t, e.insurer);
      kong(t, who, { method: 'POST', uri: `/api/v2/prescriptions/${e.rx}/refills`, status: 201, bytes: 1100, location: `/api/v2/refills/${r.id}` });
    }
    autoPosts++;
  }
}
export let reminderPages = 0;
function reminderDay(d: number): void {
  for (const [hour, pages] of [
    [7, int(16, 24)],
    [17, int(3, 6)],
  ] as const) {
    let t = day0(d) + hour * H + 30 * M + int(0, 60) * S;
    const who = serviceToken(reminder, t, REMIND);
    for (let page = 1; page <= pages; page++) {
      kong((t += int(800, 2000)), who, { uri: `/api/v2/refills?due=${isoDate(t)}&status=ready&limit=100&page=${page}`, bytes: page < pages ? int(38_000, 46_000) : int(4_000, 30_000) });
      reminderPages++;
    }
  }
}
for (let d = 0; d < DAYS; d++) {
  autoRefillNight(d);
  reminderDay(d);
}
