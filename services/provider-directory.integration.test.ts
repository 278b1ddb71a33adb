import { describe, expect, it } from 'vitest';
import { createRandom } from '../scripts/traffic.js';
import { kongLine, replayBeforeAll, type TimedLine } from './test-support/vigil-replay.js';

/**
 * A payer's public provider directory (Da Vinci PDex Plan-Net: no credentials, by design), five
 * days of Kong http-log through the real `vigil` binary. Four apps crawl the whole directory every
 * night, 100 resources a page, ~200 pages in a few minutes from one cloud address each; 1,500
 * visitors a day of a find-a-doctor site search by specialty and open a few practitioners; a
 * hospital's referral office looks practitioners up all day from behind one corporate address.
 * Every principal is an address. On the last day a scanner finds that the same server also answers
 * `/fhir/Patient/{id}` without credentials and walks 200 ids.
 */
const T0 = Date.UTC(2026, 10, 23);
const M = 60_000;
const H = 60 * M;
const DAY = 24 * H;
const DAYS = 5;
const LAST = T0 + (DAYS - 1) * DAY;
const HOST = 'directory.bluepine-health.example';
const { next: rnd, int, pick, hex, uuid } = createRandom(20261123);

const lines: TimedLine[] = [];
function get(t: number, uri: string, ip: string, ua: string, bytes = 4000, status = 200): void {
  lines.push({ t, line: kongLine({ t, method: 'GET', uri, ip, status, host: HOST, headers: { 'user-agent': ua }, route: 'directory', service: 'plannet', responseHeaders: { 'content-type': 'application/fhir+json' }, responseBytes: bytes }) });
}

const practitioners = Array.from({ length: 8000 }, () => uuid());
const crawlers = [
  { ip: '52.14.7.9', ua: 'ZocFinder-Crawler/2.0' },
  { ip: '35.190.2.44', ua: 'CareSeek Sync/1.3' },
  { ip: '20.81.9.120', ua: 'python-fhirclient/4.1 DirSync' },
  { ip: '44.201.6.18', ua: 'HealthAppX-dir/5 okhttp/4.12' },
];
const DIRECTORY: [string, number][] = [
  ['Practitioner', 8000],
  ['PractitionerRole', 9500],
  ['Organization', 900],
  ['Location', 1400],
  ['InsurancePlan', 40],
];
const BROWSERS = ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0', 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Safari/604.1', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15'];
const SPECIALTIES = ['207Q00000X', '207R00000X', '208D00000X', '363L00000X'];

let pages = 0;
for (let day = 0; day < DAYS; day++) {
  crawlers.forEach((c, i) => {
    let t = T0 + day * DAY + (1 + i) * H + int(0, 30) * M;
    for (const [type, n] of DIRECTORY) {
      const session = hex(16);
      get(t, `/fhir/${type}?_count=100`, c.ip, c.ua, 200_000);
      t += int(1000, 3000);
      for (let page = 1; page < Math.ceil(n / 100); page++) {
        pages++;
        get(t, `/fhir?_getpages=${session}&_getpagesoffset=${page * 100}&_count=100&_bundletype=searchset`, c.ip, c.ua, 200_000);
        t += int(800, 3000);
      }
    }
  });
  for (let v = 0; v < 1500; v++) {
    const ip = `${int(60, 200)}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`;
    const ua = pick(BROWSERS);
    let t = T0 + day * DAY + int(7, 22) * H + int(0, 3599) * 1000;
    get(t, `/fhir/PractitionerRole?specialty=${pick(SPECIALTIES)}&location.address-postalcode=${int(10000, 99999)}&_include=PractitionerRole:practitioner`, ip, ua, int(5000, 60000));
    for (let k = int(1, 5); k > 0; k--) get((t += int(10, 90) * 1000), `/fhir/Practitioner/${pick(practitioners)}`, ip, ua, int(2000, 6000));
  }
  // The referral office: many people behind one address, all day.
  for (let t = T0 + day * DAY + 8 * H; t < T0 + day * DAY + 18 * H; ) {
    t += int(5, 60) * 1000;
    get(t, rnd() < 0.3 ? `/fhir/PractitionerRole?practitioner.name=${hex(5)}` : `/fhir/Practitioner/${pick(practitioners)}`, '198.51.100.77', BROWSERS[0] as string);
  }
}

const SCANNER = '185.220.101.33';
const SCAN = LAST + 15 * H;
for (let k = 0; k < 200; k++) {
  const found = k % 3 === 0;
  get(SCAN + (k + 1) * 1500, `/fhir/Patient/${10_000 + k}`, SCANNER, 'Mozilla/5.0 zgrab/0.x', found ? 3000 : 200, found ? 200 : 404);
}

const replayed = replayBeforeAll('provider-directory', { key: 'f1'.repeat(32), lines });

describe('a public provider directory crawled every night, end to end', () => {
  it('has the traffic it means to have: nightly crawls of ~200 pages from four addresses', () => {
    expect(pages).toBe(DAYS * crawlers.length * DIRECTORY.reduce((n, [, count]) => n + Math.ceil(count / 100) - 1, 0));
  });

  it('names the scanner and the route that answered it, and no crawler, visitor or office', () => {
    expect(replayed.alerts.map((a) => [a.detector, a.principal, a.route]).sort((a, b) => a.join(' ').localeCompare(b.join(' ')))).toEqual([
      ['bola/enumeration', `ip:${SCANNER}`, '/fhir/Patient/{id}'],
      ['inventory/unauthenticated-data', 'service:plannet', '/fhir/Patient/{id}'],
      ['rate', `ip:${SCANNER}`, '/fhir/Patient/{id}'],
    ]);
  });
});
