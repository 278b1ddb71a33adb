import { A_START, C_START, D_START, H, LAST, M, QUALITY, S, VPN_UA, census, climber, int, kong, leaver, login, nurseSessions, quality, rnd, robbed, shuffle, snoop, stays, type Nurse, type Session, userId, vpnIp } from './inpatient-ehr.js';

/**
 * The last day's five abuses (A-E) of the inpatient EHR world, with their windows. Continues
 * ./inpatient-ehr.ts with the same random sequence (that module is evaluated first).
 */
// ---- The abuses of the last day ------------------------------------------------------------

const firstSession = (n: Nurse, shiftStart: number) => (nurseSessions.get(n.sub)?.find((x) => x.from === shiftStart)?.s as Session);

// A. A day nurse of ward 1 opens six patients of ward 4, never assigned to her, from her cart.
export const A_END = A_START + 10 * M;
const snooped = census(3, A_START).slice(0, 6);
{
  const s = firstSession(snoop, LAST + 7 * H);
  snooped.forEach((p, k) => {
    const t = A_START + k * 90 * S;
    kong(t, s, { uri: `/fhir/Patient/${p.pid}`, bytes: int(2000, 4200) });
    kong(t + int(10, 25) * S, s, { uri: `/fhir/Condition?patient=${p.pid}`, bytes: int(2000, 9000) });
    kong(t + int(35, 70) * S, s, { uri: `/fhir/DocumentReference?patient=${p.pid}&_sort=-date&_count=20`, bytes: int(10000, 40000) });
  });
}

// B. A resident on the last day of the rotation walks 150 consecutive patient ids from the VPN.
export const B_START = LAST + 22 * H;
export let B_END = B_START;
export let walkMisses = 0;
{
  const s = login(leaver, B_START - 3 * M, vpnIp(), VPN_UA);
  const first = 1_121_400;
  for (let k = 0; k < 150; k++) {
    const miss = rnd() < 0.3;
    if (miss) walkMisses++;
    B_END = B_START + k * int(2000, 2800);
    kong(B_END, s, { uri: `/fhir/Patient/${first + k}`, status: miss ? 404 : 200, bytes: miss ? 260 : int(2000, 4200) });
  }
}

// C. The ward-2 day nurse's token, lifted from her cart, replayed from outside with a script while
// she keeps working on it.
export const C_END = C_START + 15 * M;
const ATTACKER = '185.220.101.47';
{
  const s = firstSession(robbed, LAST + 7 * H);
  const victims = shuffle(stays.filter((p) => p.from <= C_START && C_START < p.to)).slice(0, 30);
  victims.forEach((p, k) => kong(C_START + k * 30 * S, { ...s, ip: ATTACKER, ua: 'python-requests/2.31.0' }, { uri: `/fhir/DocumentReference?patient=${p.pid}&_count=100`, bytes: int(10000, 60000) }));
}

// D. An evening nurse of ward 3 edits two Practitioner records and grants roles, twice; the server
// lets her.
export const D_END = D_START + 13 * M;
{
  const s = firstSession(climber, LAST + 15 * H);
  for (const t of [D_START, D_START + 12 * M]) {
    const pr = int(50_000, 58_999);
    kong(t, s, { method: 'PUT', uri: `/fhir/Practitioner/${pr}`, bytes: 2400 });
    kong(t + 40 * S, s, { method: 'POST', uri: `/admin/users/${userId()}/roles`, bytes: 600 });
  }
}

// E. The quality service's credentials, at 15:00 for the first time ever, pull 400 pages of
// Observations a thousand at a time.
export const E_START = LAST + 15 * H;
export let E_END = E_START;
{
  const s = login(quality, E_START - 20 * S, QUALITY.ip, QUALITY.ua, H);
  for (let k = 1; k <= 400; k++) {
    kong(E_END, s, { uri: `/fhir/Observation?_count=1000${k > 1 ? `&_page=${k}` : ''}`, bytes: int(1_400_000, 1_900_000) });
    E_END += int(2000, 4000);
  }
}
