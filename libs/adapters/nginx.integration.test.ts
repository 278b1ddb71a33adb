// Runs a real nginx with fixtures/nginx/vigil-log-format.conf, sends it requests, and parses what
// nginx really wrote. This is what proves the snippet yields valid JSON for hostile input and that
// the adapters read nginx's own escaping. Needs /usr/sbin/nginx (CI installs it); without it the
// test fails with a message saying so, it is never skipped.
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ApiEvent } from '../contracts/index.js';
import { parseLine, type ParseOutcome } from './index.js';
import { JWT_CLINICIAN, JWT_PATIENT_PORTAL } from './test-support/fixtures.js';
import { startPrivateNginx, type PrivateNginx } from './test-support/nginx.js';

let dir = '';
let port = 0;
let nginx: PrivateNginx | undefined;

async function startNginx(): Promise<PrivateNginx> {
  dir = await mkdtemp(join(tmpdir(), 'vigil-nginx-'));
  const started = await startPrivateNginx(
    dir,
    (p) => `  server {
    listen 127.0.0.1:${p};
    access_log ${dir}/access.json.log vigil_json;
    access_log ${dir}/access.combined.log combined;
    location = /fhir/Patient {
      if ($request_method = POST) {
        add_header Location "http://127.0.0.1:${p}/fhir/Patient/456/_history/1";
        return 201 '{"resourceType":"Patient","id":"456"}';
      }
      return 200 '{"resourceType":"Bundle"}';
    }
    location = /fhir/Patient/999 { return 404 '{"resourceType":"OperationOutcome"}'; }
    location /fhir/ { return 200 '{"resourceType":"Bundle","type":"searchset"}'; }
    location / { return 403 '{"error":"forbidden"}'; }
  }`,
  );
  port = started.port;
  nginx = started;
  return started;
}

/** A request line nginx cannot parse, over a raw socket (fetch would refuse to send it). */
async function sendGarbage(): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end('GARBAGE\x01 nonsense\r\n\r\n'));
    socket.on('data', () => undefined);
    socket.once('close', () => resolve());
    socket.once('error', reject);
  });
}

function event(outcome: ParseOutcome | undefined): ApiEvent {
  if (outcome?.kind !== 'ok') throw new Error(`expected an event, got ${JSON.stringify(outcome)}`);
  return outcome.events[0] as ApiEvent;
}

const USER_AGENT = 'Evil "quoted" agent \\ backslash';
let json: ParseOutcome[] = [];
let combined: ParseOutcome[] = [];
let startedAt = 0;
let endedAt = 0;
let setupError: unknown;

/**
 * Every test starts with this, so a missing or broken nginx fails each test with the reason
 * (a throwing beforeAll would only mark them skipped).
 */
function ready(): void {
  if (setupError !== undefined) throw setupError instanceof Error ? setupError : new Error('nginx setup failed', { cause: setupError });
}

async function setup(): Promise<void> {
  const { send, logLines } = await startNginx();
  startedAt = Date.now();
  const statuses = [
    await send('/fhir/Patient/123', {
      headers: { authorization: `Bearer ${JWT_PATIENT_PORTAL}`, 'user-agent': USER_AGENT, 'x-request-id': 'it-req-0001' },
    }),
    await send(`/fhir/Observation?patient=123&_count=50&name=M%C3%BCller&note="a'b"&code=http://loinc.org|8867-4`, {
      headers: { 'x-api-key': 'sk_test_integration', 'user-agent': 'vigil-it/1.0' },
    }),
    await send('/fhir/Patient', {
      method: 'POST',
      headers: { authorization: `Bearer ${JWT_CLINICIAN}`, 'content-type': 'application/fhir+json', 'user-agent': 'vigil-it/1.0' },
      body: '{"resourceType":"Patient"}',
    }),
    await send('/fhir/Patient/999', { headers: { 'user-agent': 'vigil-it/1.0' } }),
    await send('/admin/users', { method: 'DELETE', headers: { 'user-agent': 'vigil-it/1.0' } }),
  ];
  expect(statuses).toEqual([200, 200, 201, 404, 403]);
  await sendGarbage();
  // 1 start-up probe + 5 requests + 1 garbage line; the probe is dropped below.
  json = (await logLines('access.json.log', 7)).slice(1).map((line) => parseLine(line, 'auto'));
  combined = (await logLines('access.combined.log', 7)).slice(1).map((line) => parseLine(line, 'auto'));
  endedAt = Date.now();
}

beforeAll(async () => {
  await setup().catch((e: unknown) => {
    setupError = e;
  });
}, 30_000);

afterAll(async () => {
  await nginx?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('real nginx, vigil_json log_format', () => {
  test('every line nginx wrote is valid JSON and detected as nginx', () => {
    ready();
    expect(json.map((o) => o.format)).toEqual(['nginx', 'nginx', 'nginx', 'nginx', 'nginx', 'nginx']);
  });

  test('a bearer-authenticated read: exact method, path, status, headers and body size', () => {
    ready();
    const e = event(json[0]);
    expect(e).toMatchObject({
      method: 'GET',
      scheme: 'http',
      host: '127.0.0.1',
      path: '/fhir/Patient/123',
      status: 200,
      responseBytes: 44,
      clientIp: '127.0.0.1',
      requestId: 'it-req-0001',
      fields: { server_protocol: 'HTTP/1.1' },
    });
    expect(e.query).toBeUndefined();
    expect(e.requestHeaders.authorization).toBe(`Bearer ${JWT_PATIENT_PORTAL}`);
    expect(e.requestHeaders['user-agent']).toBe(USER_AGENT);
    expect(e.responseHeaders).toEqual({ 'content-type': 'application/fhir+json' });
    expect(e.time.endsWith('Z')).toBe(true);
    expect(Date.parse(e.time)).toBeGreaterThanOrEqual(startedAt - 1000);
    expect(Date.parse(e.time)).toBeLessThanOrEqual(endedAt + 1000);
    expect(e.requestBytes).toBeGreaterThan(0);
    expect(e.latencyMs).toBeGreaterThanOrEqual(0);
  });

  test('a search keeps the query exactly as fetch encoded it, and the API key header', () => {
    ready();
    const e = event(json[1]);
    expect(e.path).toBe('/fhir/Observation');
    expect(e.query).toBe("patient=123&_count=50&name=M%C3%BCller&note=%22a%27b%22&code=http://loinc.org|8867-4");
    expect(e.requestHeaders['x-api-key']).toBe('sk_test_integration');
    expect(e.responseBytes).toBe(44);
  });

  test('a create logs its 201 and Location', () => {
    ready();
    const e = event(json[2]);
    expect(e).toMatchObject({ method: 'POST', path: '/fhir/Patient', status: 201, responseBytes: 37 });
    expect(e.responseHeaders.location).toBe(`http://127.0.0.1:${port}/fhir/Patient/456/_history/1`);
    expect(e.requestHeaders['content-type']).toBe('application/fhir+json');
    expect(e.requestHeaders.authorization).toBe(`Bearer ${JWT_CLINICIAN}`);
  });

  test('404 and 403 answers', () => {
    ready();
    expect(event(json[3])).toMatchObject({ method: 'GET', path: '/fhir/Patient/999', status: 404, responseBytes: 35 });
    expect(event(json[4])).toMatchObject({ method: 'DELETE', path: '/admin/users', status: 403, responseBytes: 21 });
  });

  test('a request line nginx could not parse is a dead letter with the reason', () => {
    ready();
    expect(json[5]).toEqual({
      kind: 'deadLetter',
      format: 'nginx',
      reason: 'nginx: request_method is empty (nginx could not parse the request line; status 400)',
    });
  });
});

describe('real nginx, combined log_format', () => {
  test('the same requests parse from the combined log, second-precision time', () => {
    ready();
    expect(combined.slice(0, 5).map((o) => o.format)).toEqual(Array(5).fill('nginx-combined'));
    const read = event(combined[0]);
    expect(read).toMatchObject({ method: 'GET', path: '/fhir/Patient/123', status: 200, responseBytes: 44, clientIp: '127.0.0.1' });
    expect(read.requestHeaders).toEqual({ 'user-agent': USER_AGENT });
    expect(read.time.endsWith('.000Z')).toBe(true);
    expect(event(combined[1]).query).toBe("patient=123&_count=50&name=M%C3%BCller&note=%22a%27b%22&code=http://loinc.org|8867-4");
    expect(event(combined[2])).toMatchObject({ method: 'POST', status: 201 });
    expect(event(combined[3])).toMatchObject({ status: 404 });
    expect(event(combined[4])).toMatchObject({ method: 'DELETE', status: 403 });
  });

  test('the garbage request line is a dead letter', () => {
    ready();
    expect(combined[5]).toEqual({
      kind: 'deadLetter',
      format: 'nginx-combined',
      reason: 'nginx combined: malformed request line (not "METHOD /target HTTP/x"), status 400',
    });
  });
});
