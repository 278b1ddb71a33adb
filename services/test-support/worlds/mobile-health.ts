import { createRandom, nginxRecord } from '../../../scripts/traffic.js';
import type { TimedLine } from '../vigil-replay.js';

/**
 * A consumer mobile health app's REST API behind nginx, six days of JSON access log (Vigil's
 * `vigil_json` format, docs/ingest/nginx.md: $request_id, and $http_authorization, which is how
 * the bearer JWT reaches Vigil) through the real `vigil` binary. Written without reading the
 * detectors: it states what an ideal product would say, not what Vigil is known to say.
 *
 * 2,500 app users (iOS and Android; home wifi, carrier CGNAT addresses shared by thousands of
 * phones, some on a trip abroad mid-week whose phone goes from hotel wifi to home-routed roaming
 * data and back, some with a tablet at home beside the phone) open the app now and then: their own
 * profile, lab results (a new result brings them in within hours), medication list, appointments
 * and messages, all under `/v2/users/{uuid}/...`, `/v2/results/{uuid}` and `/v2/messages/{uuid}`;
 * a quarter wear a watch whose readings the phone uploads in the background. 150 of them hold a
 * family plan and look after two to four dependants' records (children, elderly parents) from the
 * same account. On the third day at 10:00 app 5.0 ships and reads a result at `/v3/results/{uuid}`
 * instead; most users take it within a few days, the rest keep the old route. A push-notification
 * service (client credentials) reads every user's unread count at 01:00; a data-science job
 * exports de-identified readings and results once a week (its first run on the second day).
 * 30 support agents on the support console (another OAuth client, built in the last-day module)
 * open the records of the users whose tickets come in. User ids are the JWT's `sub`.
 *
 * Five abuses on the last day (./mobile-health-last-day.ts, A-E with their windows). The logs are
 * stamped as if the users' local time were UTC, so hours read directly.
 *
 * What Vigil says (2026-12-01, this seed): A, B, D and E named on their principals within minutes
 * (A by bola/foreign-object 3 min in, B by bola/enumeration 4.5 min in, D at its first request, E's
 * login surge 6 min in and all five accounts it took); the /v2 result route is reported a zombie
 * 2.5 h after the release. First written to the ideal, three tests failed: C, the stolen refresh
 * token, was not seen at all (each access token was used in one place only), and the push
 * service's sweep raised bola/enumeration on its first two nights. Both were fixed: token-misuse
 * follows a login session (the JWT's `sid`) across its refreshed tokens, and a machine credential's
 * first day is its learning day for volume. Seeds 7 and 31337 gave the same before the fixes,
 * except that on 31337 A was first named 20 minutes in (2 of its 40 results counted as another user's).
 */
const T0 = Date.UTC(2026, 10, 16);
export const S = 1000;
export const M = 60 * S;
export const H = 60 * M;
export const DAY = 24 * H;
export const DAYS = 6;
const END = T0 + DAYS * DAY;
export const LAST = T0 + (DAYS - 1) * DAY;
const HOST = 'api.vitalia-health.example';
const ISS = 'https://auth.vitalia-health.example';
export const TOKEN = '/oauth/token';
export const RELEASE = T0 + 2 * DAY + 10 * H;
const SEED = 20261116;
export const { next: rnd, int, pick, hex, uuid } = createRandom(SEED);
// nginx's own fields (request ids, sizes, upstream times) come from a second sequence, so that
// the world's draws do not depend on how many lines it writes.
const filler = createRandom(SEED + 1);

export const lines: TimedLine[] = [];
/** Who is calling, as nginx sees it: a bearer JWT, a confidential client's Basic credentials, or nothing. */
export interface Caller {
  ip: string;
  ua: string;
  bearer?: string;
  basic?: string;
}
export interface Call {
  method?: string;
  uri: string;
  status?: number;
  bytes?: number;
  location?: string;
}
export function nginx(t: number, who: Caller, c: Call): void {
  // The world ends with the sixth day; what would come after is simply not logged.
  if (t >= END) return;
  const method = c.method ?? 'GET';
  const headers: Record<string, string> = { 'user-agent': who.ua };
  if (who.bearer !== undefined) headers.authorization = `Bearer ${who.bearer}`;
  if (who.basic !== undefined) headers.authorization = `Basic ${who.basic}`;
  if (method === 'POST' || method === 'PATCH') headers['content-type'] = c.uri === TOKEN ? 'application/x-www-form-urlencoded' : 'application/json';
  const responseHeaders: Record<string, string> = { 'content-type': 'application/json' };
  if (c.location !== undefined) responseHeaders.location = c.location;
  const record = nginxRecord({ at: t, method, uri: c.uri, status: c.status ?? 200, clientIp: who.ip, headers, responseHeaders, responseBytes: c.bytes ?? int(900, 2400) }, filler);
  record.host = HOST;
  lines.push({ t, line: JSON.stringify(record) });
}

export interface Account {
  sub: string;
  app: string;
  scope: string;
}
const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
/** An access token; `sid` is the login session (one per device) its refresh token belongs to. */
export function jwt(a: Account, t: number, sid: string, life = H): string {
  const claims = { iss: ISS, aud: 'vitalia-api', sub: a.sub, client_id: a.app, scope: a.scope, sid, iat: Math.floor(t / 1000), exp: Math.floor((t + life) / 1000), jti: hex(16) };
  return `${enc({ alg: 'RS256', typ: 'JWT', kid: 'vh-2026-09' })}.${enc(claims)}.${hex(86)}`;
}
/** A confidential client's `client_id:secret`, as it sends it to the token endpoint. */
export const basic = (client: string) => Buffer.from(`${client}:${hex(40)}`).toString('base64');

export const day0 = (d: number) => T0 + d * DAY;
export function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
  }
  return xs;
}
const RESIDENTIAL = [24, 47, 67, 68, 71, 73, 76, 98, 99, 107, 108, 174];
export const homeIp = () => `${pick(RESIDENTIAL)}.${int(0, 255)}.${int(0, 255)}.${int(2, 254)}`;
// Carrier-grade NAT: a few hundred egress addresses carry every phone on cellular data (roaming
// phones abroad included: their data is routed home), so unrelated users share them.
export const CARRIER = Array.from({ length: 250 }, () => `${pick(['172.56', '172.58', '174.205', '166.205', '100.64'])}.${int(0, 63)}.${int(1, 254)}`);
// Hotel and cafe wifi in the countries travellers go to (UK, Germany, Mexico, Japan).
const ABROAD = ['81.2', '86.30', '91.64', '79.210', '187.189', '201.141', '126.112', '153.205'];

// ---- Users and their devices ----------------------------------------------------------------

const APP = 'vitalia-mobile';
export const USER_SCOPE = 'openid offline_access profile health:read health:write messages:rw';
export const IOS = (v: string) => `Vitalia/${v} (com.vitalia.health; iOS 17.6.1) CFNetwork/1496.0.7 Darwin/23.6.0`;
export const ANDROID = (v: string, device: string) => `Vitalia/${v} (Android 14; ${device}) okhttp/4.12.0`;
const DEVICES = ['Pixel 7', 'SM-S911B', 'SM-A546U', 'moto g 5G', 'Pixel 8 Pro', 'SM-G991U'];
export interface Device {
  sid: string;
  ua: (t: number) => string;
  /** When this device runs 5.0, which reads a result at /v3/results/{uuid}. */
  updated: number;
  token?: { at: number; bearer: string };
}
export interface Result {
  id: string;
  /** When the lab posted it (before the week: long ago). */
  at: number;
  /** When its owner (or the family manager) first opened it. */
  read?: number;
}
export interface Record_ {
  id: string;
  results: Result[];
  messages: string[];
}
export interface User extends Record_ {
  acct: Account;
  home: string;
  phone: Device;
  tablet?: Device;
  wearable: boolean;
  /** Sessions a day. */
  pace: number;
  trip?: { from: number; to: number; hotel: string[] };
  family: Record_[];
  appointments: string[];
}
function device(ios: boolean): Device {
  const updated = rnd() < (ios ? 0.85 : 0.7) ? RELEASE + int(0, (ios ? 60 : 90) * 60) * M : Infinity;
  const old = ios ? IOS(pick(['4.12.2', '4.12.3'])) : ANDROID(pick(['4.12.1', '4.12.3']), pick(DEVICES));
  const next = ios ? IOS('5.0.0') : ANDROID('5.0.0', old.split('; ')[1]?.split(')')[0] ?? 'Pixel 7');
  return { sid: uuid(), ua: (t) => (t >= updated ? next : old), updated };
}
const record = (): Record_ => ({
  id: uuid(),
  results: Array.from({ length: int(2, 10) }, () => ({ id: uuid(), at: T0 - int(5, 700) * DAY })),
  messages: Array.from({ length: int(1, 6) }, uuid),
});
export const users: User[] = Array.from({ length: 2500 }, (_, k) => {
  const r = record();
  const ios = rnd() < 0.55;
  const u: User = {
    ...r,
    acct: { sub: r.id, app: APP, scope: USER_SCOPE },
    home: homeIp(),
    phone: device(ios),
    wearable: rnd() < 0.25,
    pace: pick([0.15, 0.3, 0.5, 0.5, 0.8, 1.2]),
    family: [],
    appointments: [],
  };
  if (rnd() < 0.08) u.tablet = device(true);
  // 150 family plans, every sixteenth account or so.
  if (k % 16 === 5 && k < 16 * 150) u.family = Array.from({ length: int(2, 4) }, record);
  if (rnd() < 0.012) {
    const from = day0(int(1, 2)) + int(6, 20) * H;
    u.trip = { from, to: from + int(50, 80) * H, hotel: [`${pick(ABROAD)}.${int(0, 255)}.${int(2, 254)}`, `${pick(ABROAD)}.${int(0, 255)}.${int(2, 254)}`] };
  }
  return u;
});
export const familyPlans = users.filter((u) => u.family.length > 0);
export const travellers = users.filter((u) => u.trip !== undefined);
const away = (u: User, t: number) => u.trip !== undefined && t >= u.trip.from && t < u.trip.to;
/** Where the phone is: home wifi, a carrier address, or abroad hotel wifi and home-routed roaming. */
export function phoneNet(u: User, t: number): string {
  if (away(u, t) && u.trip !== undefined) return rnd() < 0.6 ? pick(u.trip.hotel) : pick(CARRIER);
  const h = new Date(t).getUTCHours();
  return (h >= 18 || h < 8 ? rnd() < 0.8 : rnd() < 0.35) ? u.home : pick(CARRIER);
}

// ---- Signing in ------------------------------------------------------------------------------

export let typos = 0;
export let expiredRefresh = 0;
/**
 * The app comes to the foreground: it trades the device's refresh token for an access token. Now
 * and then the refresh token has expired (400 invalid_grant) and the user types the password,
 * sometimes wrongly first (401). Returns the caller and the time after.
 */
export function openApp(a: Account, dev: Device, t: number, ip: string): { who: Caller; t: number } {
  const ua = dev.ua(t);
  if (rnd() < 0.03) {
    expiredRefresh++;
    nginx(t, { ip, ua }, { method: 'POST', uri: TOKEN, status: 400, bytes: 96 });
    t += int(10, 40) * S;
    if (rnd() < 0.3) {
      typos++;
      nginx(t, { ip, ua }, { method: 'POST', uri: TOKEN, status: 401, bytes: 88 });
      t += int(8, 30) * S;
    }
  }
  nginx(t, { ip, ua }, { method: 'POST', uri: TOKEN, bytes: int(1500, 1800) });
  dev.token = { at: t, bearer: jwt(a, t, dev.sid) };
  return { who: { ip, ua, bearer: dev.token.bearer }, t: t + int(1, 3) * S };
}
export const resultUri = (dev: Device, t: number, id: string) => `${t >= dev.updated ? '/v3' : '/v2'}/results/${id}`;

// ---- What a session does ---------------------------------------------------------------------

export let resultReads = 0;
export let v3Reads = 0;
export let replies = 0;
/** Reads one record (the user's own, or a dependant's): one or two of its parts. Returns the time after. */
export function browse(u: User, rec: Record_, dev: Device, who: Caller, t: number, fresh: Result[]): number {
  const base = `/v2/users/${rec.id}`;
  nginx((t += int(2, 8) * S), who, { uri: `${base}/profile`, bytes: int(1200, 2100) });
  const wantsResults = fresh.length > 0 || rnd() < 0.35;
  if (wantsResults) {
    nginx((t += int(3, 20) * S), who, { uri: `${base}/results?limit=20`, bytes: int(3000, 12_000) });
    const open = fresh.length > 0 ? fresh : [pick(rec.results.filter((r) => r.at <= t))].filter((r) => r !== undefined);
    for (const r of open) {
      nginx((t += int(8, 60) * S), who, { uri: resultUri(dev, t, r.id), bytes: int(2000, 6500) });
      r.read ??= t;
      resultReads++;
      if (t >= dev.updated) v3Reads++;
    }
  }
  if (rnd() < 0.3) nginx((t += int(5, 40) * S), who, { uri: `${base}/medications`, bytes: int(1000, 4000) });
  if (rnd() < 0.3) {
    nginx((t += int(5, 40) * S), who, { uri: `${base}/appointments?upcoming=true`, bytes: int(800, 3000) });
    if (rec === u && rnd() < 0.08) {
      const id = uuid();
      u.appointments.push(id);
      nginx((t += int(30, 120) * S), who, { method: 'POST', uri: `${base}/appointments`, status: 201, bytes: 900, location: `/v2/appointments/${id}` });
    } else if (rec === u && u.appointments.length > 0 && rnd() < 0.15) {
      nginx((t += int(10, 60) * S), who, { method: 'DELETE', uri: `/v2/appointments/${u.appointments.shift() as string}`, status: 204, bytes: 0 });
    }
  }
  if (!wantsResults || rnd() < 0.35) {
    nginx((t += int(3, 20) * S), who, { uri: `${base}/messages?folder=inbox`, bytes: int(2000, 8000) });
    if (rnd() < 0.6) nginx((t += int(5, 40) * S), who, { uri: `/v2/messages/${pick(rec.messages)}`, bytes: int(900, 3200) });
    if (rec === u && rnd() < 0.12) {
      replies++;
      const id = uuid();
      nginx((t += int(40, 240) * S), who, { method: 'POST', uri: `${base}/messages`, status: 201, bytes: 700, location: `/v2/messages/${id}` });
    }
  }
  return t;
}

export let uploads = 0;
/** The phone's background sync of the watch's steps and heart rate: the last token if it is still fresh. */
function upload(u: User, t: number): void {
  const dev = u.phone;
  const ip = phoneNet(u, t);
  let who: Caller;
  if (dev.token !== undefined && t - dev.token.at < 50 * M) who = { ip, ua: dev.ua(t), bearer: dev.token.bearer };
  else who = openApp(u.acct, dev, t, ip).who;
  nginx(t + int(1, 4) * S, who, { method: 'POST', uri: `/v2/users/${u.id}/readings`, status: 202, bytes: int(40, 90) });
  uploads++;
}

const sessionTime = (d: number) => {
  const x = rnd();
  const minute = x < 0.03 ? int(0, 5 * 60) : x < 0.45 ? int(7 * 60, 16 * 60 + 59) : int(17 * 60, 23 * 60 + 59);
  return day0(d) + minute * M + int(0, 59) * S;
};

/** Sessions per user before the last day, to pick abusers and victims with a history. */
export const earlier = new Map<User, number>();
export let familyVisits = 0;
export let newResults = 0;
function userWeek(u: User): void {
  const events: { t: number; run: () => void }[] = [];
  const session = (t: number, fresh: Result[] = []) =>
    events.push({
      t,
      run: () => {
        const dev = u.tablet !== undefined && rnd() < 0.3 ? u.tablet : u.phone;
        const ip = dev === u.tablet && !away(u, t) ? u.home : phoneNet(u, t);
        const o = openApp(u.acct, dev, t, ip);
        let at = browse(u, u, dev, o.who, o.t, fresh);
        for (const f of u.family) {
          if (rnd() >= 0.45) continue;
          familyVisits++;
          const waiting = f.results.filter((r) => r.read === undefined && r.at <= at);
          at = browse(u, f, dev, o.who, at + int(5, 30) * S, waiting);
        }
        if (at < LAST) earlier.set(u, (earlier.get(u) ?? 0) + 1);
      },
    });
  for (let d = 0; d < DAYS; d++) if (rnd() < u.pace) session(sessionTime(d));
  // A new lab result: the push notification brings the user in within hours to open it.
  if (rnd() < 0.3) {
    const r: Result = { id: uuid(), at: day0(int(0, DAYS - 1)) + int(6 * 60, 18 * 60) * M };
    u.results.push(r);
    newResults++;
    session(r.at + int(20, 8 * 60) * M, [r]);
  }
  for (const f of u.family) if (rnd() < 0.3) f.results.push({ id: uuid(), at: day0(int(0, DAYS - 1)) + int(6 * 60, 18 * 60) * M });
  if (u.wearable)
    for (let d = 0; d < DAYS; d++)
      for (const h of [int(6, 11), int(15, 22)]) {
        const t = day0(d) + h * H + int(0, 3599) * S;
        events.push({ t, run: () => upload(u, t) });
      }
  for (const e of events.sort((a, b) => a.t - b.t)) e.run();
}
for (const u of users) userWeek(u);

// ---- Machines: the nightly push sweep and the weekly export ------------------------------------

export const pushSvc: Account = { sub: 'push-notifier', app: 'push-notifier', scope: 'notifications:read' };
const PUSH = { ip: '10.40.2.15', ua: 'vitalia-push/2.8.1 (Go-http-client/1.1)' };
export let unreadChecks = 0;
function pushSweep(d: number): void {
  let t = day0(d) + H + int(0, 120) * S;
  const net = { ...PUSH, basic: basic(pushSvc.app) };
  let issued = -Infinity;
  let who: Caller = PUSH;
  // In the order of the user table, every night the same.
  for (const u of users) {
    if (t - issued > 50 * M) {
      nginx(t, net, { method: 'POST', uri: TOKEN, bytes: 1300 });
      issued = t;
      who = { ...PUSH, bearer: jwt(pushSvc, t, uuid()) };
    }
    t += int(120, 420);
    nginx(t, who, { uri: `/v2/users/${u.id}/messages/unread-count`, bytes: int(28, 40) });
    unreadChecks++;
  }
}
for (let d = 0; d < DAYS; d++) pushSweep(d);

export const exporter: Account = { sub: 'ds-weekly-export', app: 'ds-weekly-export', scope: 'export:deidentified' };
const EXPORT = { ip: '10.60.8.21', ua: 'python-requests/2.32.3 vitalia-ds-export/1.4.0' };
export let exportPages = 0;
{
  // Weekly, Tuesday 03:30: the week's readings and results, de-identified, a page at a time.
  let t = day0(1) + 3 * H + 30 * M;
  nginx(t, { ...EXPORT, basic: basic(exporter.app) }, { method: 'POST', uri: TOKEN, bytes: 1300 });
  const who = { ...EXPORT, bearer: jwt(exporter, t, uuid(), 2 * H) };
  for (const [kind, pages] of [
    ['readings', 64],
    ['results', 28],
  ] as const) {
    for (let page = 1; page <= pages; page++) {
      nginx((t += int(6, 20) * S), who, { uri: `/v2/exports/${kind}?week=2026-W46&format=ndjson&page=${page}`, bytes: page < pages ? int(4_000_000, 6_000_000) : int(200_000, 3_000_000) });
      exportPages++;
    }
  }
}
