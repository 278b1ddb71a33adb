import { describe, expect, it } from 'vitest';
import type { Alert } from '../libs/contracts/index.js';
import { createRandom } from '../scripts/traffic.js';
import { kongLine, replayBeforeAll, type TimedLine } from './test-support/vigil-replay.js';

/**
 * A patient portal with imaging: besides their reports, patients download whole studies (a zip of
 * 20-90 MiB) now and then, six days of it through the real `vigil` binary. For one patient a single
 * download is hundreds of times its usual five minutes of traffic, so a volume baseline per
 * principal alone alerts on every download; data-exfiltration must learn that this route returns
 * studies to the whole cohort (detectors/data-exfiltration/routine.ts) and still catch one
 * session that downloads study after study.
 *
 * Benign, and it must stay silent: 300 patients open the app, list their studies, read reports,
 * look at thumbnails and download a study in about one action in twenty-five, sometimes two or three
 * in one session; 30 patients join during the week. On the last day a stolen session of pt-7
 * downloads its studies again and again, 30 times in ten minutes.
 */
const T0 = Date.UTC(2026, 9, 5);
const H = 3_600_000;
const DAY = 24 * H;
const DAYS = 6;
const LAST = T0 + (DAYS - 1) * DAY;
const MiB = 1024 * 1024;

const prng = createRandom(20261005);
const rnd = prng.next;
const { int, pick, hex, uuid } = prng;

interface Study {
  id: string;
  bytes: number;
}

interface Patient {
  sub: string;
  id: string;
  studies: Study[];
  ip: string;
  joinDay: number;
}

const study = (): Study => ({ id: uuid(), bytes: int(20 * MiB, 90 * MiB) });
const patients: Patient[] = Array.from({ length: 300 }, (_, i) => ({
  sub: `pt-${i}`,
  id: uuid(),
  studies: Array.from({ length: int(1, 6) }, study),
  ip: `98.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`,
  joinDay: i < 270 ? 0 : int(1, DAYS - 1),
}));
// The abuser has several studies to take.
const thief = patients[7] as Patient;
while (thief.studies.length < 5) thief.studies.push(study());

function token(p: Patient, t: number): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const claims = { iss: 'https://id.radiology.example', sub: p.sub, client_id: 'imaging-portal', scope: 'openid portal', iat: Math.floor(t / 1000), exp: Math.floor(t / 1000) + 3600 };
  return `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc(claims)}.${hex(43)}`;
}

const lines: TimedLine[] = [];
let downloads = 0;
function call(t: number, p: Patient, bearer: string, uri: string, responseBytes: number, contentType = 'application/json'): void {
  const headers = { authorization: `Bearer ${bearer}`, 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0' };
  const responseHeaders = { 'content-type': contentType };
  lines.push({ t, line: kongLine({ t, method: 'GET', uri, ip: p.ip, status: 200, host: 'portal.radiology.example', headers, route: 'portal', service: 'portal-api', responseHeaders, responseBytes }) });
}

function download(t: number, p: Patient, bearer: string, s: Study): void {
  downloads++;
  call(t, p, bearer, `/v1/studies/${s.id}/download`, s.bytes, 'application/zip');
}

function session(p: Patient, start: number): void {
  const bearer = token(p, start);
  let t = start;
  call(t, p, bearer, `/v1/patients/${p.id}`, int(800, 1_500));
  call(t + 200, p, bearer, `/v1/patients/${p.id}/studies`, int(2_000, 6_000));
  t += int(5, 30) * 1000;
  for (let a = int(1, 6); a > 0; a--) {
    const s = pick(p.studies);
    const r = rnd();
    if (r < 0.04) download(t, p, bearer, s);
    else if (r < 0.55) call(t, p, bearer, `/v1/studies/${s.id}/report`, int(3_000, 9_000));
    else call(t, p, bearer, `/v1/studies/${s.id}/thumbnails`, int(150_000, 600_000));
    t += int(10, 120) * 1000;
  }
  // Now and then a patient takes two or three studies home in one sitting (for a second opinion).
  if (rnd() < 0.03) for (const s of p.studies.slice(0, 3)) download((t += int(5, 40) * 1000), p, bearer, s);
}

for (let day = 0; day < DAYS; day++) {
  for (const p of patients) {
    if (day < p.joinDay) continue;
    for (let s = int(0, 2); s > 0; s--) session(p, T0 + day * DAY + int(7, 22) * H + int(0, 3599) * 1000);
  }
}
const benignDownloads = downloads;

// The stolen session: pt-7's studies, one after another, 30 downloads in ten minutes.
const THEFT = LAST + 23 * H + 10 * 60_000;
const stolen = token(thief, THEFT);
for (let k = 0; k < 30; k++) download(THEFT + k * 20_000, thief, stolen, thief.studies[k % thief.studies.length] as Study);

const replayed = replayBeforeAll('imaging-portal', { key: 'c7'.repeat(32), lines });

describe('an imaging portal whose downloads are tens of MiB, end to end', () => {
  it('has the traffic it means to have: hundreds of routine downloads of tens of MiB', () => {
    expect(benignDownloads).toBeGreaterThan(300);
    expect(thief.studies.length).toBeGreaterThanOrEqual(5);
  });

  it('raises exactly one alert, on the stolen session, and none on routine downloads', () => {
    expect(replayed.alerts.map((a) => [a.detector, a.principal, a.route])).toEqual([['data-exfiltration', 'user:pt-7', '/v1/studies/{id}/download']]);
  });

  it('says what was counted and how many downloads were left out as routine, once per five-minute window', () => {
    const a = replayed.alerts[0] as Alert;
    // Windows start at 23:10 and 23:15: in each, the first three downloads are routine and the
    // fourth is counted and alerts (in the second, also over what the first window still weighs).
    expect(a).toMatchObject({
      owasp: 'API3:2023',
      sourceIps: [thief.ip],
      firstSeen: new Date(THEFT + 3 * 20_000).toISOString(),
      lastSeen: new Date(THEFT + 18 * 20_000).toISOString(),
      count: 2,
    });
    // The evidence is the latest window's: download 18 (counted) plus what the first window counted
    // (downloads 3-14), weighted by the 4 of its 5 minutes still inside the sliding window at 23:16.
    const bytes = (k: number) => (thief.studies[k % thief.studies.length] as Study).bytes;
    let first = 0;
    for (let k = 3; k < 15; k++) first += bytes(k);
    expect(a.evidence).toMatchObject({ pattern: 'volume_spike', routineResponses: 3, observedBytes: Math.round(bytes(18) + first * (1 - 60 / 300)) });
    expect(a.summary).toMatch(/^user:pt-7 received \d+(\.\d+)? MiB of responses within 300s besides 3 routine large responses; its own baseline is /);
  });
});
