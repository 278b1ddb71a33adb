import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../libs/config/index.js';
import { createLogger } from '../libs/log/index.js';
import { createTokenizer, parseKey } from '../libs/privacy/index.js';
import { openDb } from '../libs/store/db.js';
import { expandTemplate, recordingClient, until, type RecordingClient } from './test-support/privacy/api.js';
import { startCapturingReceiver, type CapturingReceiver } from './test-support/privacy/receiver.js';
import { describeHits, dumpAllTables, findRawValues, tableHaystacks, type Haystack, type TableDump } from './test-support/privacy/scan.js';
import * as traffic from './test-support/privacy/traffic.js';
import { startVigilProcess, type VigilProcess } from './test-support/privacy/vigil-process.js';

/**
 * The privacy proof of issue 6: mirrored traffic full of raw patient ids, object ids, bearer
 * tokens, API keys, Basic credentials, cookies and PHI in bodies goes through a real `vigil start`
 * (the compiled binary, SIEM destinations on local receivers, debug logging), and then no raw value
 * may be found in any table of its database, any SIEM request, any log line or any API answer.
 * Exact counts and the tokens found in their place make sure the scans looked at real data.
 */
const { OWN_PATIENT, OTHER_PATIENT, ENUMERATED, OBSERVATION_ID, ORDER_IDS, OPAQUE_TOKEN, API_KEY, PORTAL_JWT, BASIC_USER } = traffic;
const KEY_HEX = 'b7'.repeat(32);
const tokenizer = createTokenizer(parseKey(KEY_HEX) as Buffer, { cacheSize: 0 });
const SECRETS = { webhook: 'whsec-privacy-proof-3f9a2c71d0', ocsf: 'ocsf-secret-privacy-proof-8e41b6', hec: '6c1f0e2a-hec-token-privacy-proof' };
const DESTINATIONS = ['privacy-webhook', 'privacy-ocsf', 'privacy-hec'];
// Whole hours two days back: inside the 30-day retention, so no TTL merge drops rows mid-test.
const BASE = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 86_400_000;
const kong = traffic.kongTraffic(BASE);
const nginx = traffic.nginxLines(BASE + 600_000);
const native = traffic.nativeLines(BASE + 700_000);
const dead = traffic.deadLetterLines(BASE + 800_000);
const EXPECTED_EVENTS = kong.length + nginx.length + native.length;
const ENUMERATOR = `key:${tokenizer.fingerprint(OPAQUE_TOKEN)}`;

const dataDir = mkdtempSync(join(tmpdir(), 'vigil-privacy-'));
let vigil: VigilProcess;
let receivers: Record<'webhook' | 'ocsf' | 'hec', CapturingReceiver>;
let client: RecordingClient;
let adminKey = '';
let gatewayKey = '';
let tables: TableDump[] = [];
let exitCode: number | null = null;
/** What the live alert stream(s) sent during the run, and how many the API describes. */
let streamed = '';
let streamRoutes = 0;

interface Delivery {
  status: string;
  destinationId: string;
  alertId: string;
}
interface AlertView {
  id: string;
  version: number;
  detector: string;
  principal: string;
  status: string;
}

/** An environment without the caller's Vigil, Kafka or ClickHouse settings: this test sets its own. */
function cleanEnv(): Record<string, string | undefined> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(VIGIL_|KAFKA_|CLICKHOUSE_)/.test(k)));
  return { ...env, VIGIL_TOKENIZATION_KEY: KEY_HEX };
}

async function ingest(format: string, text: string, type: string): Promise<{ accepted: number; deadLettered: number; duplicates: number }> {
  // As a gateway does: with its own analyst key (README "Sending Vigil logs").
  const a = await client.call('POST', `/v1/ingest?format=${format}`, { key: gatewayKey, text, type });
  if (a.status !== 202) throw new Error(`${a.request} -> ${a.status}: ${a.body}`);
  return JSON.parse(a.body) as { accepted: number; deadLettered: number; duplicates: number };
}

const captured = (): number => Object.values(receivers).reduce((n, r) => n + r.captures.length, 0);

/**
 * Until every alert has reached every destination (`version`: that alert version), none is pending,
 * and the receivers got exactly the delivered requests, on three polls in a row: the outbox
 * enqueues in the background after each flush, so one quiet poll could come between two enqueues.
 */
async function deliveriesSettle(version?: { alertId: string; version: number }): Promise<void> {
  let last: (Delivery & { alertVersion: number })[] = [];
  let quiet = 0;
  await until(
    () => `deliveries to settle; have ${JSON.stringify(last.map((d) => `${d.destinationId} ${d.alertId} v${d.alertVersion} ${d.status}`))}, ${captured()} received`,
    async () => {
      const alerts = (await client.get<{ alerts: AlertView[] }>('/v1/alerts?limit=1000')).alerts;
      last = (await client.get<{ deliveries: (Delivery & { alertVersion: number })[] }>('/v1/deliveries?limit=1000')).deliveries;
      const reached = (alertId: string, dst: string, v?: number) => last.some((d) => d.alertId === alertId && d.destinationId === dst && (v === undefined || d.alertVersion === v));
      const settled =
        alerts.length > 0 &&
        alerts.every((a) => DESTINATIONS.every((dst) => reached(a.id, dst))) &&
        (version === undefined || DESTINATIONS.every((dst) => reached(version.alertId, dst, version.version))) &&
        last.every((d) => d.status === 'delivered') &&
        captured() === last.length;
      quiet = settled ? quiet + 1 : 0;
      return quiet >= 3;
    },
  );
}

beforeAll(async () => {
  receivers = {
    webhook: await startCapturingReceiver('/hooks/vigil'),
    ocsf: await startCapturingReceiver('/ocsf'),
    hec: await startCapturingReceiver('/services/collector/event'),
  };
  const configFile = join(dataDir, 'vigil.json');
  const destination = (id: string, type: string, url: string, cred: Record<string, string>) => ({ id, name: id, type, url, ...cred, allowPrivateNetwork: true });
  writeFileSync(
    configFile,
    JSON.stringify({
      logLevel: 'debug',
      notify: {
        pollIntervalMs: 50,
        destinations: [
          destination('privacy-webhook', 'webhook', receivers.webhook.url, { secret: SECRETS.webhook }),
          destination('privacy-ocsf', 'ocsf', receivers.ocsf.url, { secret: SECRETS.ocsf }),
          destination('privacy-hec', 'splunk-hec', receivers.hec.url, { token: SECRETS.hec }),
        ],
      },
    }),
  );
  vigil = await startVigilProcess(['--data-dir', dataDir, '--config', configFile], cleanEnv());
  client = recordingClient(vigil.url, () => adminKey);
  // The admin key `vigil start` keeps in memory for the CLI (README "CLI"); a stored key for the gateway.
  adminKey = readFileSync(join(dataDir, 'run', 'cli.key'), 'utf8').trim();
  gatewayKey = (JSON.parse((await client.call('POST', '/v1/keys', { json: { role: 'analyst', label: 'kong gateway' } })).body) as { key: string }).key;
  expect((await client.call('PUT', '/v1/specs/orders-api', { text: traffic.ORDERS_SPEC, type: 'application/json' })).status).toBe(200);
  // Event-stream routes (live alerts) are read from before the traffic until the end; a console
  // session (cookie) is signed in so the routes that read it answer with their real content.
  const spec = await client.get<{ paths: Record<string, Record<string, { responses?: Record<string, unknown> }>> }>('/openapi.json');
  const isStream = (template: string) => JSON.stringify(spec.paths[template]?.get?.responses?.['200'] ?? {}).includes('text/event-stream');
  const streams = await Promise.all(Object.keys(spec.paths).filter(isStream).map((template) => client.stream(template)));
  streamRoutes = streams.length;
  const login = spec.paths['/v1/session']?.post ? await client.call('POST', '/v1/session', { key: null, json: { apiKey: adminKey } }) : undefined;
  const cookie = login?.cookies[0]?.split(';')[0];

  // Kong http-log batches (arrays), nginx JSON lines, native lines, then the lines that must fail.
  let accepted = 0;
  for (let i = 0; i < kong.length; i += 50) accepted += (await ingest('kong', JSON.stringify(kong.slice(i, i + 50)), 'application/json')).accepted;
  accepted += (await ingest('nginx', nginx.join('\n'), 'text/plain')).accepted;
  accepted += (await ingest('vigil', native.join('\n'), 'application/x-ndjson')).accepted;
  const deadResult = await ingest('kong', dead.join('\n'), 'text/plain');
  expect({ accepted, deadResult }).toEqual({ accepted: EXPECTED_EVENTS, deadResult: { accepted: 0, deadLettered: 3, duplicates: 0 } });
  await deliveriesSettle();
  // Triage: a false positive (a suppression rule, and a status change every SIEM hears about).
  const alerts = (await client.get<{ alerts: AlertView[] }>('/v1/alerts?limit=1000')).alerts;
  const scope = alerts.find((a) => a.detector === 'scope-violation');
  const patched = await client.call('PATCH', `/v1/alerts/${scope?.id ?? ''}`, { json: { status: 'false_positive', note: 'portal read its own medications' } });
  expect(patched.status).toBe(200);
  await deliveriesSettle({ alertId: scope?.id ?? '', version: (JSON.parse(patched.body) as { version: number }).version });

  // Every GET route the API describes, as admin, with path parameters taken from this run's data.
  const inventory = (await client.get<{ routes: { id: string }[] }>('/v1/inventory?limit=1000')).routes;
  const values = {
    id: alerts.map((a) => a.id),
    // Traffic principals (inventory alerts name a service, which is no principal).
    principal: [...new Set(alerts.map((a) => a.principal).filter((p) => !p.startsWith('service:'))), `user:${BASIC_USER}`, `key:${tokenizer.fingerprint(API_KEY)}`],
    routeId: inventory.map((r) => r.id),
  };
  for (const [template, ops] of Object.entries(spec.paths)) {
    if (!('get' in ops) || isStream(template) || template === '/v1/objects/{type}/{id}/access') continue;
    for (const path of expandTemplate(template, values)) await client.call('GET', path, cookie === undefined ? {} : { cookie });
  }
  // The one route that takes a raw identifier: its answer must name the object by tokens only.
  const lookups = [['Patient', OWN_PATIENT], ['Patient', OTHER_PATIENT], ['Patient', ENUMERATED[0] ?? ''], ['Observation', OBSERVATION_ID], ['orders', ORDER_IDS[0] ?? '']];
  for (const [type, id] of lookups) await client.call('GET', `/v1/objects/${type}/${encodeURIComponent(id ?? '')}/access`);
  // Filtered reads, and refused requests whose URLs carry raw values (audited and maybe logged).
  await client.call('GET', `/v1/alerts?principal=${encodeURIComponent(ENUMERATOR)}`);
  await client.call('GET', `/v1/objects/Patient/${OWN_PATIENT}/access`, { key: null });
  await client.call('GET', `/v1/objects/Patient/${OWN_PATIENT}/access`, { key: gatewayKey });
  await client.call('GET', `/fhir/Patient/${OWN_PATIENT}?patient=${OTHER_PATIENT}`);
  await client.call('GET', '/v1/audit?limit=1000');
  streamed = (await Promise.all(streams.map((st) => st.close()))).join('\n');

  // SIGTERM: flush, final baseline snapshot, audit rows, store closed; then the tables are read.
  exitCode = await vigil.stop();
  const config = loadConfig({ env: { VIGIL_DATA_DIR: dataDir } });
  const db = await openDb({ clickhouse: config.clickhouse, dataDir }, createLogger({ level: 'silent' }));
  try {
    tables = await dumpAllTables(db, db.database);
  } finally {
    await db.close();
  }
}, 150_000);

afterAll(async () => {
  await vigil?.stop();
  await Promise.all(Object.values(receivers ?? {}).map((r) => r.close()));
  rmSync(dataDir, { recursive: true, force: true });
});

const rows = (table: string): Record<string, unknown>[] => tables.find((t) => t.table === table)?.rows ?? [];
/** The newest stored version of each row (ReplacingMergeTree tables keep every version until merged). */
function latest(table: string, key: string, version = 'version'): Record<string, unknown>[] {
  const byKey = new Map<unknown, Record<string, unknown>>();
  for (const r of rows(table)) if (Number(r[version]) >= Number(byKey.get(r[key])?.[version] ?? -1)) byKey.set(r[key], r);
  return [...byKey.values()];
}
const captures = () => Object.entries(receivers).flatMap(([name, r]) => r.captures.map((c, i) => ({ name, i, ...c })));
const tally = (values: unknown[]) => Object.fromEntries([...new Set(values.map(String))].sort().map((v) => [v, values.filter((x) => String(x) === v).length]));

describe('privacy proof: no raw identifier or credential leaves Vigil', () => {
  it('stored, alerted and delivered exactly what the traffic holds, and stopped cleanly', () => {
    expect(exitCode).toBe(0);
    expect(new Set(rows('events').map((r) => r.event_id)).size).toBe(EXPECTED_EVENTS);
    expect(rows('dead_letters')).toHaveLength(3);
    expect(tally(latest('alerts', 'id').map((r) => [r.detector, r.principal, r.status].map(String).join(' ')))).toEqual({
      [`bola/enumeration ${ENUMERATOR} open`]: 1,
      'bola/patient-context user:u-portal-481 open': 2,
      'inventory/undocumented-param service:orders-api open': 2,
      'scope-violation user:u-portal-481 false_positive': 1,
    });
    expect(tally(latest('deliveries', 'id', 'rev').map((r) => [r.destination_id, r.status].map(String).join(' ')))).toEqual(Object.fromEntries(DESTINATIONS.map((d) => [`${d} delivered`, 8])));
    expect(Object.values(receivers).map((r) => r.captures.length)).toEqual([8, 8, 8]);
    expect(rows('suppressions')).toHaveLength(1);
    expect(rows('api_specs').length).toBeGreaterThan(0);
    expect(rows('inventory_routes').length).toBeGreaterThan(0);
    expect(rows('baselines').length).toBeGreaterThan(0);
    // Every table the database has was read (the list comes from system.tables, not from this test).
    expect(tables.map((t) => t.table)).toEqual(expect.arrayContaining(['events', 'alerts', 'dead_letters', 'deliveries', 'destinations', 'audit_log', 'api_keys']));
  });

  it('keeps tokens and fingerprints where the raw values were', () => {
    const events = JSON.stringify(rows('events'));
    for (const [type, id] of [['Patient', OWN_PATIENT], ['Patient', OTHER_PATIENT], ['Patient', ENUMERATED[149]], ['Patient', traffic.CREATED_PATIENT], ['Observation', OBSERVATION_ID], ['MedicationRequest', traffic.MEDICATION_REQUEST_ID], ['orders', ORDER_IDS[1]]]) {
      expect(events, `${type}/${id}`).toContain(tokenizer.token(type ?? '', id ?? ''));
    }
    for (const credential of [PORTAL_JWT, OPAQUE_TOKEN, API_KEY]) expect(events).toContain(tokenizer.fingerprint(credential));
    // The lookup by raw id was audited with the id tokenized as the `id` parameter.
    expect(JSON.stringify(rows('audit_log'))).toContain(tokenizer.token('id', OWN_PATIENT));
    // Dead letters keep the line and the reason, with ids masked as route templates show them.
    expect(rows('dead_letters').map((r) => [String(r.raw).includes('"uri":"/fhir/'), r.reason])).toEqual([
      [true, `invalid JSON at position ${dead[0]?.length ?? 0}: unexpected end of input (truncated line?)`],
      [true, 'kong: response.status is not a number: "OK"'],
      [true, 'kong: response.status is not a number: "{id}"'],
    ]);
  });

  it('keeps no raw value in any table of its database', () => {
    // NOTE: the destinations table holds the webhook/OCSF secrets and the HEC token as given
    // (docs/siem-delivery.md "Where secrets live": senders must sign and authenticate with them, so
    // they cannot be hashed). Only those two columns are left out of the scan.
    expect(rows('destinations').flatMap((r) => [r.secret, r.token]).filter((v) => v !== null).sort()).toEqual([SECRETS.hec, SECRETS.ocsf, SECRETS.webhook].sort());
    const skip = (table: string, column: string) => table === 'destinations' && (column === 'secret' || column === 'token');
    const secrets = [{ label: 'admin API key', value: adminKey }, { label: 'gateway API key', value: gatewayKey }, ...Object.entries(SECRETS).map(([k, value]) => ({ label: `${k} secret`, value }))];
    const hits = findRawValues([...traffic.rawValues(), ...secrets], tableHaystacks(tables, skip));
    expect(hits, `raw values stored:\n${describeHits(hits)}`).toEqual([]);
  });

  it('sends no raw value to any SIEM receiver', () => {
    const haystacks: Haystack[] = captures().flatMap((c) => {
      // The HEC token authenticates Vigil to Splunk: it belongs in that header, and nowhere else.
      const headers = c.name === 'hec' ? { ...c.headers, authorization: c.headers.authorization === `Splunk ${SECRETS.hec}` ? 'expected' : String(c.headers.authorization) } : c.headers;
      return [
        { where: `${c.name} request ${c.i} headers`, text: JSON.stringify(headers) },
        { where: `${c.name} request ${c.i} body`, text: c.body },
      ];
    });
    expect(receivers.webhook.captures.filter((c) => c.body.includes(ENUMERATOR))).toHaveLength(2);
    const secrets = Object.entries(SECRETS).map(([k, value]) => ({ label: `${k} secret`, value }));
    const hits = findRawValues([...traffic.rawValues(), ...secrets], haystacks);
    expect(hits, `raw values sent:\n${describeHits(hits)}`).toEqual([]);
  });

  it('logs no raw value (logLevel debug, every record of the run)', () => {
    const records = vigil.stderr().split('\n').filter((l) => l !== '');
    const events = records.map((l) => (JSON.parse(l) as { event?: string; msg?: string }).event ?? '');
    // The log covers the whole run: start, one record per delivery attempt, the spec upload, stop.
    expect(tally(events.filter((e) => ['vigil_started', 'delivery_attempted', 'vigil_stopped'].includes(e)))).toEqual({ delivery_attempted: 24, vigil_started: 1, vigil_stopped: 1 });
    const haystacks = [...records.map((text, i) => ({ where: `stderr log line ${i + 1}`, text })), { where: 'stdout', text: vigil.stdout() }];
    const secrets = [adminKey, gatewayKey, ...Object.values(SECRETS)].map((value) => ({ label: 'secret', value }));
    const hits = findRawValues([...traffic.rawValues(), ...secrets], haystacks);
    expect(hits, `raw values logged:\n${describeHits(hits)}`).toEqual([]);
  });

  it('answers no API request with a raw value, including the lookup by raw patient id', () => {
    const answer = (request: string) => client.answers.find((a) => a.request === request);
    const access = answer(`GET /v1/objects/Patient/${OWN_PATIENT}/access`);
    expect(access?.status).toBe(200);
    expect(JSON.parse(access?.body ?? '{}')).toMatchObject({ type: 'Patient', tokens: [tokenizer.token('Patient', OWN_PATIENT)], });
    expect((JSON.parse(access?.body ?? '{}') as { principals: { principal: string }[] }).principals.map((p) => p.principal).sort()).toEqual(
      // The portal (path, search), the orders service (patient= on /api/orders), the enumerator (subject=Patient/... natively).
      [ENUMERATOR, `key:${tokenizer.fingerprint(API_KEY)}`, 'user:u-portal-481'].sort(),
    );
    const refused = client.answers.filter((a) => a.status >= 300).map((a) => `${a.request} -> ${a.status}`);
    expect(refused).toEqual([
      `GET /v1/objects/Patient/${OWN_PATIENT}/access -> 401`,
      `GET /v1/objects/Patient/${OWN_PATIENT}/access -> 403`,
      `GET /fhir/Patient/${OWN_PATIENT}?patient=${OTHER_PATIENT} -> 404`,
    ]);
    // The live alert stream carried the alerts while they were raised (scanned with the answers).
    if (streamRoutes > 0) expect(streamed).toContain(ENUMERATOR);
    const gets = client.answers.filter((a) => a.request.startsWith('GET '));
    expect(gets.length).toBeGreaterThan(40);
    const hits = findRawValues(traffic.rawValues(), client.answers.map((a) => ({ where: a.request, text: a.body })));
    expect(hits, `raw values served:\n${describeHits(hits)}`).toEqual([]);
  });
});
