import { describe, expect, it } from 'vitest';
import type { Alert } from '../libs/contracts/index.js';
import { createRandom } from '../scripts/traffic.js';
import { kongLine, replayBeforeAll, type TimedLine } from './test-support/vigil-replay.js';

/**
 * A FHIR server's bulk data API (SMART Bulk Data Access) used by 14 backend services (payers, an
 * ACO, registries, an HIE) on client-credentials tokens with `system/` scopes, six days of Kong
 * http-log through the real `vigil` binary. Each service exports its own Group on a schedule:
 * kick-off (202 + Content-Location), polling the status URL every 20-26 s (202 + X-Progress), the
 * manifest (200), then its NDJSON files of up to 64 MiB each, sometimes a DELETE of the job; a new
 * token every five minutes; some also look up members during the day. Every service is a cohort of
 * one (its own app), so nothing here is learned from peers.
 *
 * On the last day four services abuse it: registry-cancer reads the status (the manifest) of an
 * export acme-payer started; aco-north's credentials are used from a VPS with python-requests
 * for a system-wide export at 03:07; hie-connect exports every Patient instead of its Group; and
 * pophealth-analytics probes 150 random job ids. The rest of the traffic must raise nothing.
 */
const T0 = Date.UTC(2026, 10, 2);
const M = 60_000;
const H = 60 * M;
const DAY = 24 * H;
const DAYS = 6;
const LAST = T0 + (DAYS - 1) * DAY;
const MiB = 1024 * 1024;
const HOST = 'fhir.northriver.example';
const { next: rnd, int, pick, hex, uuid } = createRandom(20261102);

const lines: TimedLine[] = [];
interface Call {
  method?: string;
  uri: string;
  ip: string;
  ua: string;
  status: number;
  bearer: string;
  bytes?: number;
  /** Response headers besides content-type. */
  headers?: Record<string, string>;
  contentType?: string;
}

function kong(t: number, c: Call): void {
  const headers = { authorization: `Bearer ${c.bearer}`, 'user-agent': c.ua, accept: 'application/fhir+json', prefer: 'respond-async' };
  const responseHeaders = { 'content-type': c.contentType ?? 'application/fhir+json', ...c.headers };
  const line = kongLine({ t, method: c.method ?? 'GET', uri: c.uri, ip: c.ip, status: c.status, host: HOST, headers, route: 'fhir', service: 'fhir-r4', responseHeaders, responseBytes: c.bytes });
  lines.push({ t, line });
}

interface Client {
  id: string;
  group: string;
  patients: number;
  hour: number;
  /** Hours between exports. */
  every: number;
  ip: string;
  ua: string;
  scope: string;
  types: string[];
  deletes: boolean;
  joinDay: number;
  /** Looks members up during the day (Patient and Coverage reads). */
  lookups: boolean;
  members: string[];
}

const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
function token(c: Client, t: number): string {
  const claims = { iss: 'https://auth.northriver.example', sub: c.id, client_id: c.id, scope: c.scope, iat: Math.floor(t / 1000), exp: Math.floor(t / 1000) + 300, jti: hex(16) };
  return `${enc({ alg: 'RS384', typ: 'JWT' })}.${enc(claims)}.${hex(86)}`;
}

const NAMES = [
  'acme-payer', 'aco-north', 'registry-cancer', 'hie-connect', 'bluebird-health', 'quality-reporting', 'pophealth-analytics',
  'medicaid-mco', 'care-mgmt-vendor', 'research-warehouse', 'pharmacy-benefits', 'dialysis-network', 'immunization-registry', 'telehealth-partner',
];
const TYPES = ['Patient', 'Condition', 'Observation', 'MedicationRequest', 'Encounter', 'Coverage'];
/** NDJSON bytes per patient and resource type. */
const PER_PATIENT: Record<string, number> = { Patient: 2_000, Condition: 4_000, Observation: 40_000, MedicationRequest: 6_000, Encounter: 8_000, Coverage: 1_500 };
const NARROW = 'system/Patient.read system/Observation.read system/Condition.read system/MedicationRequest.read system/Encounter.read system/Coverage.read';
const clients: Client[] = NAMES.map((id, i) => ({
  id,
  group: uuid(),
  patients: int(150, 12_000),
  hour: int(0, 5),
  ip: `${int(20, 200)}.${int(0, 255)}.${int(0, 255)}.${int(2, 250)}`,
  ua: pick([`${id}-bulk/2.${int(0, 9)} (Java 17)`, 'python-fhirclient/4.1', `${id}/1.${int(0, 20)} okhttp/4.12`]),
  scope: rnd() < 0.5 ? 'system/*.read' : NARROW,
  types: TYPES.filter(() => rnd() < 0.8),
  deletes: rnd() < 0.6,
  every: i < 3 ? 6 : 24,
  joinDay: i === 13 ? 3 : 0,
  lookups: i % 3 === 0,
  members: [],
}));
const byId = new Map(clients.map((c) => [c.id, c]));
const client = (id: string) => byId.get(id) as Client;
// acme-payer keeps its exports (no DELETE), so the one read on the last day is still there.
client('acme-payer').deletes = false;
for (const c of clients) {
  if (c.types.length === 0) c.types.push('Patient');
  c.members = Array.from({ length: 50 }, () => uuid());
}

/**
 * A client's current token: a new one every five minutes, as SMART backend services get them.
 * `holder`: who asks for it; someone holding a client's credentials mints tokens of their own.
 */
const tokens = new Map<string, { t: number; bearer: string }>();
function tokenAt(c: Client, t: number, holder = c.id): string {
  const cur = tokens.get(holder);
  if (cur !== undefined && t - cur.t < 290_000) return cur.bearer;
  const bearer = token(c, t);
  tokens.set(holder, { t, bearer });
  return bearer;
}

interface Export {
  job: string;
  files: { uri: string; bytes: number }[];
}

let polls = 0;
let files = 0;
function exportRun(c: Client, t0: number, over: { path?: string; ip?: string; ua?: string; scale?: number } = {}): Export {
  const { path = `/fhir/Group/${c.group}/$export`, ip = c.ip, ua = c.ua, scale = 1 } = over;
  // The holder: a client on its own address, or whoever else holds its credentials.
  const bearerAt = (client: Client, t: number) => tokenAt(client, t, `${client.id}@${ip}`);
  const job = uuid();
  let t = t0;
  const kickOff = `${path}?_type=${c.types.join(',')}&_since=${new Date(t0 - DAY).toISOString()}`;
  kong(t, { uri: kickOff, ip, ua, status: 202, bearer: bearerAt(c, t), bytes: 0, headers: { 'content-location': `https://${HOST}/fhir/bulkstatus/${job}` } });
  const out: Export = { job, files: [] };
  for (const type of c.types) {
    let total = (PER_PATIENT[type] as number) * c.patients * scale * (0.9 + 0.2 * rnd());
    for (let n = 1; total > 0; n++) {
      const bytes = Math.min(total, 64 * MiB);
      out.files.push({ uri: `/fhir/bulkfiles/${job}/${type}.${n}.ndjson`, bytes: Math.round(bytes) });
      total -= bytes;
    }
  }
  const end = t0 + int(4, 40) * M;
  let progress = 0;
  for (t += int(2, 5) * 1000; t < end; t += int(20, 26) * 1000) {
    progress = Math.min(99, progress + int(3, 15));
    polls++;
    kong(t, { uri: `/fhir/bulkstatus/${job}`, ip, ua, status: 202, bearer: bearerAt(c, t), bytes: 0, headers: { 'x-progress': `${progress}% complete`, 'retry-after': '20' } });
  }
  kong(t, { uri: `/fhir/bulkstatus/${job}`, ip, ua, status: 200, bearer: bearerAt(c, t), bytes: 400 + 180 * out.files.length, contentType: 'application/json' });
  for (const f of out.files) {
    t += int(1, 4) * 1000;
    files++;
    kong(t, { uri: f.uri, ip, ua, status: 200, bearer: bearerAt(c, t), bytes: f.bytes, contentType: 'application/fhir+ndjson' });
    t += Math.round(f.bytes / (40 * MiB)) * 1000;
  }
  if (c.deletes) kong(t + 2000, { method: 'DELETE', uri: `/fhir/bulkstatus/${job}`, ip, ua, status: 202, bearer: bearerAt(c, t + 2000), bytes: 0 });
  return out;
}

/** acme-payer's last export started before the theft (12:00 on the last day). */
let acmeLatest: Export | undefined;
for (let day = 0; day < DAYS; day++) {
  for (const c of clients) {
    if (day < c.joinDay) continue;
    // acme-payer's membership grows by 30 % on day 4: its exports grow with it.
    if (day === 4 && c.id === 'acme-payer') c.patients = Math.round(c.patients * 1.3);
    for (let h = c.hour; h < 24; h += c.every) {
      const at = T0 + day * DAY + h * H + int(0, 10) * M + int(0, 59) * 1000;
      const run = exportRun(c, at);
      if (c.id === 'acme-payer' && at < LAST + 12 * H) acmeLatest = run;
    }
    if (c.lookups) {
      for (let k = int(10, 40); k > 0; k--) {
        const t = T0 + day * DAY + int(8, 18) * H + int(0, 3599) * 1000;
        const m = pick(c.members);
        kong(t, { uri: `/fhir/Patient/${m}`, ip: c.ip, ua: c.ua, status: 200, bearer: tokenAt(c, t), bytes: int(1500, 4000) });
        kong(t + 800, { uri: `/fhir/Coverage?patient=${m}`, ip: c.ip, ua: c.ua, status: 200, bearer: tokenAt(c, t + 800), bytes: int(1500, 9000) });
      }
    }
  }
}

// The four abuses of the last day.
const THEFT = LAST + 13 * H;
const stolen = acmeLatest as Export;
{
  const thief = client('registry-cancer');
  let t = THEFT;
  kong(t, { uri: `/fhir/bulkstatus/${stolen.job}`, ip: thief.ip, ua: thief.ua, status: 200, bearer: tokenAt(thief, t), bytes: 3000, contentType: 'application/json' });
  for (const f of stolen.files) kong((t += 3000), { uri: f.uri, ip: thief.ip, ua: thief.ua, status: 200, bearer: tokenAt(thief, t), bytes: f.bytes, contentType: 'application/fhir+ndjson' });
}
const VPS = '45.137.21.9';
exportRun(client('aco-north'), LAST + 3 * H + 7 * M, { path: '/fhir/$export', ip: VPS, ua: 'python-requests/2.31.0', scale: 40 });
exportRun(client('hie-connect'), LAST + 15 * H, { path: '/fhir/Patient/$export', scale: 25 });
{
  const prober = client('pophealth-analytics');
  let t = LAST + 16 * H;
  for (let k = 0; k < 150; k++) {
    t += int(1, 3) * 1000;
    kong(t, { uri: `/fhir/bulkstatus/${uuid()}`, ip: prober.ip, ua: prober.ua, status: 404, bearer: tokenAt(prober, t), bytes: 180 });
  }
}

const replayed = replayBeforeAll('bulk-export', { key: 'b5'.repeat(32), lines });

describe('a bulk data API used by backend services, end to end', () => {
  it('has the traffic it means to have: thousands of polls, hundreds of routine downloads of up to 64 MiB', () => {
    expect(polls).toBeGreaterThan(5_000);
    expect(files).toBeGreaterThan(500);
    expect(stolen.files.length).toBeGreaterThan(3);
  });

  it('raises exactly the alerts of the four abuses, and none on scheduled exports', () => {
    const seen = replayed.alerts.map((a) => [a.detector, a.principal, a.route]).sort((a, b) => a.join(' ').localeCompare(b.join(' ')));
    expect(seen).toEqual([
      ['bola/async-request', 'app:registry-cancer', '/fhir/bulkstatus/{id}'],
      ['bola/enumeration', 'app:aco-north', '/fhir/bulkfiles/{id}/{id}'],
      ['bola/enumeration', 'app:hie-connect', '/fhir/bulkfiles/{id}/{id}'],
      ['bola/enumeration', 'app:pophealth-analytics', '/fhir/bulkstatus/{id}'],
      ['data-exfiltration', 'app:hie-connect', '/fhir/bulkfiles/{id}/{id}'],
      ['rate', 'app:pophealth-analytics', '/fhir/bulkstatus/{id}'],
      ['token-misuse', 'app:aco-north', '/fhir/$export'],
    ]);
  });

  it('names whose export was read, when and how it was started, with the job id tokenized', () => {
    const a = replayed.alerts.find((x) => x.detector === 'bola/async-request') as Alert;
    const started = new Date(THEFT - 3 * H).toISOString().slice(0, 11);
    expect(a).toMatchObject({ owasp: 'API1:2023', severity: 'high', sourceIps: [client('registry-cancer').ip], firstSeen: new Date(THEFT).toISOString(), count: 1 });
    expect(a.summary).toMatch(
      new RegExp(`^app:registry-cancer read the bulkstatus of an asynchronous request that app:acme-payer started \\(/fhir/Group/\\{id\\}/\\$export at ${started}\\d\\d:\\d\\d:\\d\\d\\.000Z\\) and the API answered 200$`),
    );
    expect(a.evidence).toMatchObject({ pattern: 'foreign_async_request', baseline: { startedBy: 'app:acme-payer', startedOn: '/fhir/Group/{id}/$export', typeSharedRate: 0 } });
    expect(replayed.alertsJson).not.toContain(stolen.job);
  });

  it('catches the stolen credentials by where they were used from', () => {
    const a = replayed.alerts.find((x) => x.detector === 'token-misuse') as Alert;
    expect(a).toMatchObject({ sourceIps: [VPS], firstSeen: new Date(LAST + 3 * H + 7 * M).toISOString(), evidence: { pattern: 'foreign_use' } });
  });
});
