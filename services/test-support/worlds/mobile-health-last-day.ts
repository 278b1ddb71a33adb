import { ANDROID, CARRIER, DAYS, H, IOS, LAST, M, S, TOKEN, day0, earlier, hex, homeIp, int, jwt, nginx, openApp, pick, resultUri, rnd, shuffle, users, uuid, type Account, type Caller, type User } from './mobile-health.js';

/**
 * The mobile health world's support desk (six days of tickets) and the last day's abuses (A-E,
 * each with its window). Continues ./mobile-health.ts with the same random sequence (that module
 * is evaluated first).
 */
// ---- The support desk ---------------------------------------------------------------------------

const CONSOLE = 'vitalia-support-console';
const AGENT_SCOPE = 'openid offline_access support:read support:write users:admin';
export interface Agent {
  acct: Account;
  shift: 'day' | 'evening';
}
export const agents: Agent[] = Array.from({ length: 30 }, (_, k) => ({ acct: { sub: `00u${hex(17)}`, app: CONSOLE, scope: AGENT_SCOPE }, shift: k < 18 ? 'day' : 'evening' }));
// Both offices and the agents' VPN leave through the same two NAT addresses.
export const OFFICE = ['38.104.77.10', '38.104.77.11'];
const CONSOLE_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
export let tickets = 0;
export let mfaResets = 0;
/** Shifts each agent worked before the last day. */
export const shifts = new Map<Agent, number>();

/** One ticket: the agent opens it, finds the user, looks at what the ticket is about, notes and closes it. */
function ticket(who: Caller, t: number, u: User): number {
  tickets++;
  const tid = uuid();
  nginx(t, who, { uri: `/v2/support/tickets/${tid}`, bytes: int(1500, 5000) });
  if (rnd() < 0.5) nginx((t += int(10, 40) * S), who, { uri: `/v2/support/users?q=${hex(10)}&page=1&limit=25`, bytes: int(600, 3000) });
  const base = `/v2/users/${u.id}`;
  nginx((t += int(10, 60) * S), who, { uri: `${base}/profile`, bytes: int(1200, 2100) });
  const looks = shuffle([`${base}/appointments?upcoming=true`, `${base}/medications`, `${base}/results?limit=20`, `${base}/messages?folder=inbox`, `/v2/admin/users/${u.id}`]).slice(0, int(1, 2));
  for (const uri of looks) nginx((t += int(20, 120) * S), who, { uri, bytes: int(900, 8000) });
  // "My result does not show": the console still reads a result at the v2 route.
  if (rnd() < 0.08) nginx((t += int(20, 90) * S), who, { uri: `/v2/results/${pick(u.results).id}`, bytes: int(2000, 6500) });
  if (rnd() < 0.1) {
    mfaResets++;
    nginx((t += int(30, 180) * S), who, { method: 'POST', uri: `/v2/admin/users/${u.id}/reset-mfa`, bytes: 140 });
  } else if (rnd() < 0.05) nginx((t += int(30, 180) * S), who, { method: 'POST', uri: `/v2/admin/users/${u.id}/unlock`, bytes: 140 });
  nginx((t += int(60, 300) * S), who, { method: 'POST', uri: `/v2/support/tickets/${tid}/notes`, status: 201, bytes: 400, location: `/v2/support/notes/${uuid()}` });
  nginx((t += int(5, 30) * S), who, { method: 'PATCH', uri: `/v2/support/tickets/${tid}`, bytes: int(1500, 3000) });
  return t;
}

function agentShift(a: Agent, d: number): void {
  const start = day0(d) + (a.shift === 'day' ? 8 : 13.5) * H;
  const end = start + 8.5 * H;
  const ip = pick(OFFICE);
  const sid = uuid();
  let t = start + int(0, 15) * M;
  // The console's login (authorization code), then a refresh a little before each hour's token runs out.
  nginx(t, { ip, ua: CONSOLE_UA }, { method: 'POST', uri: TOKEN, bytes: int(1500, 1800) });
  let issued = t;
  let who: Caller = { ip, ua: CONSOLE_UA, bearer: jwt(a.acct, t, sid) };
  t += int(2, 10) * M;
  while (t < end - 15 * M) {
    if (t - issued > 55 * M) {
      nginx(t, { ip, ua: CONSOLE_UA }, { method: 'POST', uri: TOKEN, bytes: int(1500, 1800) });
      issued = t;
      who = { ip, ua: CONSOLE_UA, bearer: jwt(a.acct, t, sid) };
      t += int(1, 3) * S;
    }
    t = ticket(who, t, pick(users)) + int(25, 50) * M;
  }
  if (day0(d) < LAST) shifts.set(a, (shifts.get(a) ?? 0) + 1);
}
for (let d = 0; d < DAYS; d++) for (const a of agents) if (rnd() < (d === DAYS - 1 ? 0.4 : 0.75)) agentShift(a, d);

// ---- The abuses of the last day ----------------------------------------------------------------

const victims = new Set<User>();
const withHistory = (n: number) => users.filter((u) => (earlier.get(u) ?? 0) >= n && u.family.length === 0 && u.trip === undefined && u.tablet === undefined && !victims.has(u));

// A. A user who got hold of 40 other users' result UUIDs (a leaked export, not guessable) opens
// them one by one at human pace, from the phone and home wifi the user always uses.
export const A_START = LAST + 10 * H;
export let A_END = A_START;
export const leaker = withHistory(3).find((u) => u.phone.updated < LAST) as User;
victims.add(leaker);
export const leaked = shuffle(users.filter((u) => u !== leaker && u.family.length === 0 && u.results.some((r) => r.read !== undefined && r.read < LAST)))
  .slice(0, 40)
  .map((u) => {
    victims.add(u);
    return u.results.find((r) => r.read !== undefined && r.read < LAST) as (typeof u.results)[number];
  });
{
  const o = openApp(leaker.acct, leaker.phone, A_START, leaker.home);
  let t = o.t;
  nginx(t, o.who, { uri: `/v2/users/${leaker.id}/profile`, bytes: int(1200, 2100) });
  for (const r of leaked) {
    t += int(45, 100) * S;
    nginx(t, o.who, { uri: resultUri(leaker.phone, t, r.id), bytes: int(2000, 6500) });
  }
  A_END = t;
}

// B. At 02:00, no ticket open, an evening agent's console session pages through the user search
// and opens 300 users' profiles, from the agents' usual address.
export const nightAgent = agents.find((a) => a.shift === 'evening' && (shifts.get(a) ?? 0) >= 3) as Agent;
export const B_START = LAST + 2 * H;
export let B_END = B_START;
export const browsed = shuffle(users.filter((u) => !victims.has(u))).slice(0, 300);
{
  const ip = OFFICE[0] as string;
  nginx(B_START, { ip, ua: CONSOLE_UA }, { method: 'POST', uri: TOKEN, bytes: 1650 });
  const sid = uuid();
  let who: Caller = { ip, ua: CONSOLE_UA, bearer: jwt(nightAgent.acct, B_START, sid) };
  let t = B_START + int(20, 60) * S;
  let issued = B_START;
  for (let page = 0; page < 12; page++) {
    if (t - issued > 50 * M) {
      nginx(t, { ip, ua: CONSOLE_UA }, { method: 'POST', uri: TOKEN, bytes: 1650 });
      issued = t;
      who = { ip, ua: CONSOLE_UA, bearer: jwt(nightAgent.acct, t, sid) };
    }
    nginx((t += int(3, 8) * S), who, { uri: `/v2/support/users?status=active&sort=created&page=${page + 1}&limit=25`, bytes: int(9000, 14_000) });
    for (const u of browsed.slice(page * 25, page * 25 + 25)) nginx((t += int(6, 14) * S), who, { uri: `/v2/users/${u.id}/profile`, bytes: int(1200, 2100) });
  }
  B_END = t;
}

// C. A user's refresh token, stolen from an Android phone, is traded for access tokens from a
// hosting address abroad while the user keeps using the app at home and on the bus.
export const robbed = withHistory(3).find((u) => !u.phone.ua(0).includes('iOS') && u.phone.updated < LAST && !victims.has(u)) as User;
victims.add(robbed);
export const C_START = LAST + 14 * H;
export let C_END = C_START;
export const THIEF = '91.199.118.40';
{
  for (const at of [0, 13, 31, 52]) {
    const t = C_START + at * M + int(0, 50) * S;
    const o = openApp(robbed.acct, robbed.phone, t, at === 31 ? pick(CARRIER) : robbed.home);
    nginx(o.t + int(2, 6) * S, o.who, { uri: `/v2/users/${robbed.id}/profile`, bytes: int(1200, 2100) });
    nginx(o.t + int(20, 60) * S, o.who, { uri: `/v2/users/${robbed.id}/messages?folder=inbox`, bytes: int(2000, 8000) });
  }
  const ua = 'okhttp/4.12.0';
  for (const at of [4, 22, 41]) {
    let t = C_START + at * M + int(0, 50) * S;
    nginx(t, { ip: THIEF, ua }, { method: 'POST', uri: TOKEN, bytes: 1650 });
    const who: Caller = { ip: THIEF, ua, bearer: jwt(robbed.acct, t, robbed.phone.sid) };
    const reads = [`/v2/users/${robbed.id}/profile`, `/v2/users/${robbed.id}/results?limit=50`, ...robbed.results.map((r) => `/v2/results/${r.id}`), `/v2/users/${robbed.id}/messages?folder=inbox`, ...robbed.messages.map((m) => `/v2/messages/${m}`), `/v2/users/${robbed.id}/medications`];
    for (const uri of at === 4 ? reads : reads.slice(0, 3)) nginx((t += int(2, 9) * S), who, { uri, bytes: int(1200, 6500) });
    C_END = Math.max(C_END, t);
  }
}

// D. An app user calls the support console's admin API with the app's own token: the API
// refuses the search but lets the per-user admin routes through, and three other users' MFA is reset.
export const meddler = withHistory(2).find((u) => !victims.has(u)) as User;
victims.add(meddler);
export const D_START = LAST + 21 * H;
export let D_END = D_START;
export const mfaVictims = shuffle(users.filter((u) => !victims.has(u))).slice(0, 3);
{
  const o = openApp(meddler.acct, meddler.phone, D_START, meddler.home);
  let t = o.t;
  nginx(t, o.who, { uri: `/v2/admin/users?q=${hex(10)}&page=1&limit=25`, status: 403, bytes: 120 });
  for (const v of mfaVictims) {
    victims.add(v);
    nginx((t += int(40, 120) * S), o.who, { uri: `/v2/admin/users/${v.id}`, bytes: int(900, 1600) });
    nginx((t += int(20, 90) * S), o.who, { method: 'POST', uri: `/v2/admin/users/${v.id}/reset-mfa`, bytes: 140 });
  }
  D_END = t;
}

// E. Password spraying: one password tried against 600 usernames over two hours, from 30
// residential proxies that spoof the app; five accounts use that password, and each is read at
// once from the proxy that got in.
export const E_START = LAST + 18 * H;
export const E_END = E_START + 2 * H;
export const sprayers = Array.from({ length: 30 }, homeIp);
export const sprayed = shuffle(withHistory(1)).slice(0, 5);
const SPRAY_UAS = [IOS('5.0.0'), IOS('4.12.3'), ANDROID('5.0.0', 'Pixel 7'), ANDROID('4.12.3', 'SM-S911B')];
{
  const attempts = Array.from({ length: 600 }, () => E_START + int(0, 2 * 3600 - 1) * S + int(0, 999)).sort((a, b) => a - b);
  const wins = new Set(shuffle(attempts.map((_, i) => i)).slice(0, sprayed.length));
  let w = 0;
  attempts.forEach((t, i) => {
    const caller = { ip: pick(sprayers), ua: pick(SPRAY_UAS) };
    if (!wins.has(i)) return nginx(t, caller, { method: 'POST', uri: TOKEN, status: 401, bytes: 88 });
    const u = sprayed[w++] as User;
    victims.add(u);
    nginx(t, caller, { method: 'POST', uri: TOKEN, bytes: 1650 });
    const who: Caller = { ...caller, bearer: jwt(u.acct, t, uuid()) };
    let at = t + int(5, 30) * S;
    nginx(at, who, { uri: `/v2/users/${u.id}/profile`, bytes: int(1200, 2100) });
    nginx((at += int(2, 6) * S), who, { uri: `/v2/users/${u.id}/results?limit=50`, bytes: int(3000, 12_000) });
    for (const r of u.results) nginx((at += int(2, 6) * S), who, { uri: `/v3/results/${r.id}`, bytes: int(2000, 6500) });
  });
}
export const abused = victims;
