import { describe, expect, it } from 'vitest';
import { createRandom } from '../scripts/traffic.js';
import { kongLine, replayBeforeAll, type TimedLine } from './test-support/vigil-replay.js';

/**
 * Benign traffic that looks like abuse, on a clinic's own REST API, five days of it through the
 * real `vigil` binary. Vigil must raise nothing:
 * - six patients behind a VPN whose exit moves to a new far-apart network every few requests (the
 *   token goes from network to network within seconds, but never back to one it left);
 * - a 20-minute outage on day 4 answered 503, during which the apps retry with backoff;
 * - app 2.9 calling a removed endpoint once per session (404), until 3.0 ships on day 3 and starts
 *   calling a new one (`/care-team`), with a new user agent for everyone;
 * - front-desk staff confirming ~40 appointments each morning (GET then PATCH, any patient's) and
 *   booking appointments for callers (201 + Location).
 */
const T0 = Date.UTC(2026, 7, 3);
const H = 3_600_000;
const DAY = 24 * H;
const DAYS = 5;
const OUTAGE = T0 + 3 * DAY + 9 * H;
const OUTAGE_MS = 20 * 60_000;
const { next: rnd, int, pick, hex, uuid } = createRandom(20260803);

function jwt(sub: string, clientId: string, scope: string, t: number): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc({ sub, client_id: clientId, scope, iat: Math.floor(t / 1000), exp: Math.floor(t / 1000) + 3600 })}.${hex(43)}`;
}

interface Client {
  token: string;
  ip: string;
  ua: string;
}

const lines: TimedLine[] = [];
function call(t: number, c: Client, method: string, uri: string, status: number, location?: string): void {
  const headers = { authorization: `Bearer ${c.token}`, 'user-agent': c.ua };
  const responseHeaders = location === undefined ? undefined : { location };
  lines.push({ t, line: kongLine({ t, method, uri, ip: c.ip, status, host: 'api.clinic.example', headers, route: 'clinic', service: 'clinic-api', responseHeaders }) });
}

const patients = Array.from({ length: 120 }, (_, i) => ({
  sub: `p${i}`,
  id: uuid(),
  appointments: Array.from({ length: int(2, 6) }, uuid),
  ip: `24.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`,
  vpn: i < 6,
}));
const VPN_BLOCKS = ['185.', '45.', '91.', '104.', '146.', '193.'];
const vpnExit = () => `${pick(VPN_BLOCKS)}${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`;
const down = (t: number) => t >= OUTAGE && t < OUTAGE + OUTAGE_MS;

for (let day = 0; day < DAYS; day++) {
  for (const p of patients) {
    for (let s = int(0, 2); s > 0; s--) {
      let t = T0 + day * DAY + int(7, 21) * H + int(0, 3599) * 1000;
      // Four in ten sessions of the outage day start while the API is down.
      if (day === 3 && rnd() < 0.4) t = OUTAGE + int(0, 1199) * 1000;
      const version = day >= 2 ? '3.0' : '2.9';
      const c: Client = { ua: `ClinicApp/${version}`, ip: p.vpn ? vpnExit() : p.ip, token: jwt(p.sub, 'clinic-mobile', 'openid portal', t) };
      for (let k = 0, n = int(3, 10); k < n; k++) {
        if (p.vpn && k % 3 === 2) c.ip = vpnExit();
        const r = rnd();
        const uri =
          r < 0.3
            ? `/v2/patients/${p.id}/appointments`
            : r < 0.6
              ? `/v2/appointments/${pick(p.appointments)}`
              : r < 0.75
                ? `/v2/patients/${p.id}`
                : r < 0.9
                  ? `/v2/patients/${p.id}/${version === '3.0' ? 'care-team' : 'documents'}`
                  : `/v2/patients/${p.id}/billing/statements`;
        // The app retries a failed call with exponential backoff (2, 4, 8, 16, 16, 16 s).
        for (let retry = 0; down(t) && retry < 6; retry++) {
          call(t, c, 'GET', uri, 503);
          t += 2000 * 2 ** Math.min(retry, 3);
        }
        call(t, c, 'GET', uri, 200);
        if (version === '2.9' && k === 0) call(t + 300, c, 'GET', `/v1/patients/${p.id}/alerts`, 404);
        t += int(4, 60) * 1000;
      }
    }
  }
  for (let s = 0; s < 8; s++) {
    const desk: Client = { ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/128.0', ip: `10.20.0.${10 + s}`, token: '' };
    const scope = 'openid user/Appointment.write user/Appointment.read user/Patient.read';
    let t = T0 + day * DAY + 7 * H + int(0, 600) * 1000;
    desk.token = jwt(`desk${s}`, 'front-desk', scope, t);
    for (let k = 0; k < 40; k++) {
      const appointment = pick(pick(patients).appointments);
      call(t, desk, 'GET', `/v2/appointments/${appointment}`, 200);
      call(t + 5000, desk, 'PATCH', `/v2/appointments/${appointment}`, 200);
      t += int(20, 60) * 1000;
    }
    for (let k = 0; k < 30; k++) {
      t += int(300, 900) * 1000;
      desk.token = jwt(`desk${s}`, 'front-desk', scope, t);
      const p = pick(patients);
      call(t, desk, 'GET', `/v2/patients/${p.id}`, 200);
      call(t + 8000, desk, 'GET', `/v2/patients/${p.id}/appointments`, 200);
      if (rnd() < 0.3) {
        const id = uuid();
        p.appointments.push(id);
        call(t + 20_000, desk, 'POST', `/v2/patients/${p.id}/appointments`, 201, `/v2/appointments/${id}`);
      }
    }
  }
}

const replayed = replayBeforeAll('clinic-look-alikes', { key: '7c'.repeat(32), lines });

describe('benign look-alikes on a clinic API, end to end', () => {
  it('has what it means to test: VPN tokens moving through new networks within seconds, retried 503s, 404s', () => {
    const parsed = lines.map((l) => JSON.parse(l.line) as { client_ip: string; response: { status: number }; request: { headers: { authorization: string } } });
    const vpnToken = parsed.find((x) => VPN_BLOCKS.some((b) => x.client_ip.startsWith(b)))?.request.headers.authorization;
    const exits = new Set(parsed.filter((x) => x.request.headers.authorization === vpnToken).map((x) => x.client_ip));
    expect(exits.size).toBeGreaterThanOrEqual(2);
    expect(parsed.filter((x) => x.response.status === 503).length).toBeGreaterThan(100);
    expect(parsed.filter((x) => x.response.status === 404).length).toBeGreaterThan(100);
  });

  it('raises no alert', () => {
    expect(replayed.alerts.map((a) => [a.detector, a.principal, a.route, a.summary])).toEqual([]);
  });
});
