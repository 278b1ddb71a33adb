import { ANDROID, DAY, DAYS, H, IOS, LAST, M, MERIDIAN, NORTHSTAR, S, TOKEN, caregivers, day0, earlier, homeIp, int, isoDate, jwt, kong, listUri, newRefill, employeeId, openApp, patients, pick, placeRefill, plan, refills, rnd, rxId, shuffle, stores, type Account, type Caller, type Caregiver, type Patient, type Store } from './pharmacy-refills.js';

/**
 * The pharmacy world's last day: the abuses (A-E) and the traffic that reacts to them (the store
 * queues, the insurers' claim checks, the administrators). Continues ./pharmacy-refills.ts with the
 * same random sequence (that module is evaluated first).
 */
// ---- The abuses' own traffic that the rest of the world reacts to (A, D) ---------------------

const LAST_D = DAYS - 1;
const victims = new Set<Patient>();
const withHistory = patients.filter((p) => (earlier.get(p) ?? 0) >= 2);
// A. A patient with a history refills one (opioid) prescription eight times, 20-40 minutes apart, from the usual phone.
export const A_START = LAST + 10 * H + 5 * M;
export let A_END = A_START;
export const repeater = withHistory[3] as Patient;
victims.add(repeater);
{
  let t = A_START;
  for (let k = 0; k < 8; k++) {
    const o = openApp(repeater.acct, t, repeater.home, repeater.ua(t));
    if (k === 0) kong(o.t, o.who, { uri: listUri(repeater.pid), bytes: int(2500, 9000) });
    A_END = o.t + 20 * S;
    placeRefill(o.who, A_END, repeater.rxs[0] as number, repeater.store, repeater.insurer);
    t += int(20, 40) * M;
  }
}

// D. Northstar's key cancels 30 refills of Meridian members that patients placed on the app, over an hour.
export const D_START = LAST + 14 * H;
export const D_END = D_START + H;
export const cancelledByPartner = shuffle(refills.filter((r) => r.onApp === true && r.insurer === MERIDIAN && r.cancelled === undefined && r.rx !== repeater.rxs[0] && r.created > LAST - 12 * H && r.created < D_START - 30 * M))
  .slice(0, 30)
  .sort((a, b) => a.created - b.created);
cancelledByPartner.forEach((r, k) => {
  r.cancelled = D_START + k * 2 * M + int(0, 90) * S;
});

// ---- 3. Pharmacists working their store's queue ----------------------------------------------

const WORKSTATION_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Safari/537.36';
export let opened = 0;
export let queuePolls = 0;
/** The pharmacist on duty: three per store take the 12-hour days in turn. */
const onDuty = (s: Store, d: number) => s.pharmacists[(d + stores.indexOf(s)) % 3] as Account;

function pharmacistDay(s: Store, d: number): void {
  const ph = onDuty(s, d);
  const open = day0(d) + 9 * H;
  const close = day0(d) + 21 * H;
  // A login at the workstation, and a refresh a little before each hour's token runs out.
  const tokens: { from: number; who: Caller }[] = [];
  for (let t = open - int(5, 15) * M; t < close; t += int(50, 56) * M) {
    kong(t, { ip: s.ip, ua: WORKSTATION_UA }, { method: 'POST', uri: TOKEN, bytes: 1650 });
    tokens.push({ from: t, who: { ip: s.ip, ua: WORKSTATION_UA, bearer: jwt(ph, t) } });
  }
  // The shift's first login comes before any of its requests; the earliest token stands in for safety.
  const at = (t: number): Caller => {
    const token = tokens.findLast((x) => x.from <= t) ?? tokens[0];
    if (token === undefined) throw new Error('a shift without a login');
    return token.who;
  };

  // Refills phoned in, sent by prescribers or placed at the counter reach the API only through the queue.
  for (let n = int(52, 76); n > 0; n--) {
    const created = rnd() < 0.4 ? open - int(10, 12 * 60) * M : open + int(0, 11 * 60) * M;
    newRefill(rxId(), s, created, plan());
  }
  const todo = s.backlog.splice(0).sort((a, b) => a.created - b.created);
  let cursor = open + int(2, 10) * M;
  for (const r of todo) {
    const t = Math.max(cursor, r.created + int(4, 20) * M);
    if (r.cancelled !== undefined && r.cancelled < t) continue;
    if (t > close - 15 * M || r.created > close) {
      s.backlog.push(r);
      continue;
    }
    const who = at(t);
    kong(t, who, { uri: `/api/v2/refills/${r.id}`, bytes: int(1300, 2200) });
    if (rnd() < 0.2) kong(t + int(10, 60) * S, who, { uri: `/api/v2/prescriptions/${r.rx}`, bytes: int(1400, 2600) });
    r.filled = t + int(2, 10) * M;
    kong(r.filled, at(r.filled), { method: 'PATCH', uri: `/api/v2/refills/${r.id}`, bytes: int(1100, 1400) });
    if (rnd() < 0.3) {
      const ready = r.filled + int(10, 50) * M;
      if (ready < close) kong(ready, at(ready), { method: 'PATCH', uri: `/api/v2/refills/${r.id}`, bytes: int(1100, 1400) });
    }
    if (rnd() < 0.08) {
      // Picked up while the pharmacist counsels at the window.
      const pickup = r.filled + int(1, 6) * H;
      if (pickup < close) {
        kong(pickup, at(pickup), { uri: `/api/v2/refills/${r.id}`, bytes: int(1300, 2200) });
        kong(pickup + int(30, 240) * S, at(pickup), { method: 'PATCH', uri: `/api/v2/refills/${r.id}`, bytes: int(1100, 1400) });
      }
    }
    opened++;
    cursor = t + int(2, 7) * M;
  }

  // NOTE: the queue screen polls every 30-60 s while it is open; the pharmacist has it open in three
  // stretches of a shift (between them the fill station and the counter), which keeps six
  // days of 20 stores within the line budget.
  for (let k = 0; k < 3; k++) {
    let t = open + k * 4 * H + int(0, 180) * M;
    const until = t + int(20, 35) * M;
    for (; t < until && t < close; t += int(30, 60) * S) {
      const more = rnd() < 0.05;
      kong(t, at(t), { uri: `/api/v2/stores/${s.id}/queue?status=pending${more ? '&page=2' : ''}`, bytes: int(18_000, 42_000) });
      queuePolls++;
    }
  }
}
for (let d = 0; d < DAYS; d++) for (const s of stores) pharmacistDay(s, d);

// ---- 5. Insurers checking claims --------------------------------------------------------------

export let claimChecks = 0;
export let claimsNotYet = 0;
for (const r of refills) {
  if (r.filled === undefined || r.insurer === undefined) continue;
  const ins = r.insurer;
  const who = (): Caller => ({ ip: pick(ins.ips), ua: ins.ua, insurer: ins });
  let t = r.filled + int(2, 45) * M;
  // The claim is sometimes not submitted yet when the insurer first asks: a 404, then a retry.
  if (rnd() < 0.04) {
    claimsNotYet++;
    kong(t, who(), { uri: `/api/v2/refills/${r.id}/claim`, status: 404, bytes: 160 });
    t += int(20, 60) * M;
  }
  kong(t, who(), { uri: `/api/v2/refills/${r.id}/claim`, bytes: int(800, 1400) });
  claimChecks++;
}

// ---- Administrators ----------------------------------------------------------------------------

export const admins: Account[] = Array.from({ length: 3 }, () => ({ sub: `adm-${employeeId()}`, app: 'rxpro-admin', scope: 'admin:users admin:audit rx:read' }));
const HQ = ['63.117.14.20', '63.117.14.21', '63.117.14.22'];
const ADMIN_UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15';
const userIdOf = () => int(40_000, 40_400);
function adminDay(a: Account, k: number, d: number): void {
  let t = day0(d) + 9 * H + int(0, 90) * M;
  kong(t, { ip: HQ[k] as string, ua: ADMIN_UA }, { method: 'POST', uri: TOKEN, bytes: 1650 });
  const who: Caller = { ip: HQ[k] as string, ua: ADMIN_UA, bearer: jwt(a, t, 8 * H) };
  for (let n = int(3, 6); n > 0; n--) {
    const s = pick(stores);
    kong((t += int(20, 90) * M), who, { uri: `/api/v2/admin/stores/${s.id}/staff`, bytes: int(2000, 6000) });
    if (rnd() < 0.5) {
      const u = userIdOf();
      kong((t += int(30, 120) * S), who, { uri: `/api/v2/admin/users/${u}`, bytes: int(900, 1800) });
      kong((t += int(30, 180) * S), who, { method: 'PUT', uri: `/api/v2/admin/users/${u}/roles`, bytes: 700 });
    } else kong((t += int(30, 120) * S), who, { uri: `/api/v2/admin/audit?store=${s.id}&date=${isoDate(t - DAY)}`, bytes: int(8000, 40000) });
  }
}
for (let d = 0; d < DAYS; d++) admins.forEach((a, k) => adminDay(a, k, d));

// ---- The abuses of the last day (B, C, D's requests, E) ---------------------------------------

// B. A caregiver who has managed the same three family members all week reads the prescription
// lists of 25 patients it never managed, one every 30-60 s, from home.
export const snooper = caregivers.find((c) => c.family.length === 3) as Caregiver;
export const B_START = LAST + 19 * H + 10 * M;
export let B_END = B_START;
const browsed = shuffle(patients.filter((p) => !victims.has(p))).slice(0, 25);
for (const p of browsed) victims.add(p);
{
  const o = openApp(snooper.acct, B_START - 30 * S, snooper.home, snooper.ua(B_START));
  for (const p of browsed) {
    kong(B_END, o.who, { uri: listUri(p.pid), bytes: int(2500, 9000) });
    B_END += int(30, 60) * S;
  }
}

// C. Credential stuffing: 600 logins in 20 minutes from 40 residential proxies spoofing the app;
// 12 succeed, and each taken account lists its prescriptions from the proxy that got in.
export const C_START = LAST + 20 * H;
export const C_END = C_START + 20 * M;
export const proxies = Array.from({ length: 40 }, homeIp);
export const taken = shuffle(patients.filter((p) => !victims.has(p))).slice(0, 12);
const STUFFER_UAS = [IOS('6.4.0', '6400'), ANDROID('6.4.0', 'Pixel 7'), ANDROID('6.3.2', 'SM-S911B')];
{
  const attempts = Array.from({ length: 600 }, () => C_START + int(0, 20 * 60 - 1) * S + int(0, 999)).sort((a, b) => a - b);
  const wins = new Set(shuffle(attempts.map((_, i) => i)).slice(0, taken.length));
  let w = 0;
  attempts.forEach((t, i) => {
    const caller = { ip: pick(proxies), ua: pick(STUFFER_UAS) };
    if (!wins.has(i)) return kong(t, caller, { method: 'POST', uri: TOKEN, status: 401, bytes: 190 });
    const p = taken[w++] as Patient;
    kong(t, caller, { method: 'POST', uri: TOKEN, bytes: 1650 });
    const who = { ...caller, bearer: jwt(p.acct, t) };
    let at = t + int(5, 30) * S;
    kong(at, who, { uri: listUri(p.pid), bytes: int(2500, 9000) });
    for (const rx of p.rxs) kong((at += int(2, 8) * S), who, { uri: `/api/v2/prescriptions/${rx}`, bytes: int(1400, 2600) });
  });
}

// D. Northstar's requests, from its usual address and client.
for (const r of cancelledByPartner) kong(r.cancelled as number, { ip: NORTHSTAR.ips[0] as string, ua: NORTHSTAR.ua, insurer: NORTHSTAR }, { method: 'DELETE', uri: `/api/v2/refills/${r.id}`, status: 204, bytes: 310 });

// E. At 23:30, store closed, the last day's pharmacist of the first store logs in from home and
// pages through the queues of five other stores.
const homeStore = stores[0] as Store;
export const nightOwl = onDuty(homeStore, LAST_D);
export const E_START = LAST + 23 * H + 28 * M;
export let E_END = E_START;
const HOME_UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Safari/537.36';
const E_IP = homeIp();
{
  kong(E_START, { ip: E_IP, ua: HOME_UA }, { method: 'POST', uri: TOKEN, bytes: 1650 });
  const who = { ip: E_IP, ua: HOME_UA, bearer: jwt(nightOwl, E_START) };
  E_END += int(60, 120) * S;
  for (const s of shuffle(stores.slice(1)).slice(0, 5)) {
    for (let page = 1, pages = int(10, 14); page <= pages; page++) {
      kong(E_END, who, { uri: `/api/v2/stores/${s.id}/queue?page=${page}`, bytes: int(30_000, 45_000) });
      E_END += int(4, 9) * S;
    }
  }
}
