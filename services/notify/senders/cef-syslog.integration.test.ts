// CEF over syslog into a REAL rsyslogd (Debian's /usr/sbin/rsyslogd with imtcp): a private config
// in a temp dir (imtcp on a free loopback port, its own work directory, no privileges needed),
// templates writing the raw message and the parsed RFC 5424 fields to files, and exact assertions on
// what rsyslog wrote. A missing rsyslogd fails with the reason, never skips.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Alert } from '../../../libs/contracts/index.js';
import { formatCef, syslogMessage } from '../formats/cef.js';
import { createSender } from './index.js';
import { DEPS, destination, sampleAlert } from './test-support.js';
import { freePort } from '../../../libs/adapters/test-support/nginx.js';

const RSYSLOGD = '/usr/sbin/rsyslogd';
let dir = '';
let port = 0;
let rsyslogd: ChildProcess | undefined;
let output = '';


const canConnect = (p: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect(p, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

async function lines(file: string, count: number): Promise<string[]> {
  for (let attempt = 0; attempt < 250; attempt++) {
    const text = await readFile(join(dir, file), 'utf8').catch(() => '');
    const got = text.split('\n').filter((l) => l !== '');
    if (got.length >= count) return got;
    await sleep(20);
  }
  throw new Error(`${file} has fewer than ${count} lines; rsyslogd said: ${output}`);
}

beforeAll(async () => {
  await access(RSYSLOGD, constants.X_OK).catch((cause: unknown) => {
    throw new Error(`${RSYSLOGD} is missing (apt-get install rsyslog; .ci/run installs it): this test needs a real rsyslog`, { cause });
  });
  dir = await mkdtemp(join(tmpdir(), 'vigil-cef-'));
  await mkdir(join(dir, 'work'));
  port = await freePort();
  await writeFile(
    join(dir, 'rsyslog.conf'),
    `global(workDirectory="${dir}/work" maxMessageSize="64k")
module(load="imtcp")
# The message exactly as received (after the octet count), and the fields rsyslog parsed from it.
template(name="raw" type="string" string="%rawmsg%\\n")
template(name="fields" type="string" string="%pri%|%timereported:::date-rfc3339%|%hostname%|%app-name%|%procid%|%msgid%|%structured-data%|%msg%\\n")
input(type="imtcp" port="${port}" address="127.0.0.1" ruleset="cef")
ruleset(name="cef") {
  action(type="omfile" file="${dir}/raw.log" template="raw")
  action(type="omfile" file="${dir}/fields.log" template="fields")
  stop
}
`,
  );
  const proc = spawn(RSYSLOGD, ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'rsyslogd.pid')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  rsyslogd = proc;
  proc.stdout?.on('data', (c: Buffer) => void (output += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => void (output += c.toString()));
  for (let attempt = 0; !(await canConnect(port)); attempt++) {
    if (proc.exitCode !== null || attempt > 200) throw new Error(`rsyslogd did not listen on ${port}: ${output}`);
    await sleep(25);
  }
}, 60_000);

afterAll(async () => {
  if (rsyslogd && rsyslogd.exitCode === null) {
    const exited = new Promise((resolve) => rsyslogd?.once('exit', resolve));
    rsyslogd.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000).then(() => rsyslogd?.kill('SIGKILL'))]);
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

const NOW = new Date('2026-03-02T09:20:00.250Z');
const ALERTS: Alert[] = [
  sampleAlert(),
  sampleAlert({
    id: 'alrt_2',
    detector: 'scope|violation',
    severity: 'critical',
    principal: 'app:tok=ab\\cd',
    route: '/fhir/Observation?patient=x|y',
    summary: 'Müller 患者 🚑 read a|b=c\\d\nsecond line\r\nthird',
    sourceIps: ['2001:db8::7'],
    evidence: { method: 'POST' },
  }),
  sampleAlert({ id: 'alrt_3', severity: 'low', app: undefined, sourceIps: [], summary: 'trailing backslash \\' }),
];

describe('cef-syslog sender -> real rsyslog imtcp', () => {
  test('rsyslog receives each alert as one well-formed RFC 5424 message with the exact CEF record', async () => {
    const sender = createSender(destination({ type: 'cef-syslog', url: `tcp://127.0.0.1:${port}`, secret: undefined, allowPrivateNetwork: true }), DEPS);
    const outcomes = [];
    for (const [i, alert] of ALERTS.entries()) outcomes.push(await sender.send(alert, { idempotencyKey: `${alert.id}:${i + 1}`, now: NOW }));
    await sender.close();
    expect(outcomes).toEqual(ALERTS.map(() => ({ kind: 'delivered', status: 0 })));
    const cef = ALERTS.map((a, i) => formatCef(a, { version: '0.1.0', idempotencyKey: `${a.id}:${i + 1}` }));
    expect(await lines('raw.log', 3)).toEqual(ALERTS.map((a, i) => syslogMessage(cef[i] ?? '', { severity: a.severity, hostname: DEPS.hostname, now: NOW })));
    expect(await lines('fields.log', 3)).toEqual([
      `83|2026-03-02T09:20:00.250Z|vigil-1.example.org|vigil|-|-|-|${cef[0]}`,
      `82|2026-03-02T09:20:00.250Z|vigil-1.example.org|vigil|-|-|-|${cef[1]}`,
      `85|2026-03-02T09:20:00.250Z|vigil-1.example.org|vigil|-|-|-|${cef[2]}`,
    ]);
    // The record with every character that needs escaping, as a SIEM reads it.
    expect(cef[1]).toBe(
      'CEF:0|Vigil|Vigil|0.1.0|scope\\|violation|Müller 患者 🚑 read a\\|b=c\\\\d second line third|10|' +
        'rt=1772443181507 start=1772442845120 end=1772443181507 c6a2=2001:db8::7 c6a2Label=Source IPv6 Address ' +
        'suser=app:tok\\=ab\\\\cd requestClientApplication=portal-web requestMethod=POST request=/fhir/Observation?patient\\=x|y ' +
        'cat=API1:2023 cs1Label=owasp cs1=API1:2023 cs2Label=alertId cs2=alrt_2 cs3Label=status cs3=open cn1Label=count cn1=3 cnt=3 ' +
        'cfp1Label=confidence cfp1=0.82 externalId=alrt_2:2 msg=Müller 患者 🚑 read a|b\\=c\\\\d\\nsecond line\\nthird',
    );
  });

  test('a syslog target on loopback is refused without allowPrivateNetwork and rsyslog receives nothing', async () => {
    const before = (await lines('raw.log', 3)).length;
    const sender = createSender(destination({ type: 'cef-syslog', url: `tcp://127.0.0.1:${port}`, secret: undefined }), DEPS);
    expect(await sender.send(sampleAlert(), { idempotencyKey: 'alrt_7f3a9c:9', now: NOW })).toEqual({
      kind: 'failed',
      error: 'destination 127.0.0.1 is a loopback address; set allowPrivateNetwork on the destination to allow it',
    });
    await sender.close();
    // A later allowed message proves rsyslog was still listening and wrote only that one.
    const allowed = createSender(destination({ type: 'cef-syslog', url: `tcp://127.0.0.1:${port}`, secret: undefined, allowPrivateNetwork: true }), DEPS);
    expect(await allowed.send(sampleAlert({ id: 'alrt_4' }), { idempotencyKey: 'alrt_4:1', now: NOW })).toEqual({ kind: 'delivered', status: 0 });
    await allowed.close();
    const after = await lines('raw.log', before + 1);
    expect(after).toHaveLength(before + 1);
    expect(after[before]).toContain('cs2=alrt_4 ');
  });
});
