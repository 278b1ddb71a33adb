import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../libs/contracts/index.js';
import { screenshot, seriousViolations, watchPage } from './test-support/browser.js';
import { CHROMIUM, createVigilRun, ensureBuilt, requireChromium, root } from './test-support/vigil-run.js';

/**
 * The analyst console end to end: a real `vigil start` fed with two simulated days, Debian's
 * chromium driven by playwright-core, every page checked with axe-core and photographed into
 * test-artifacts/console/. The recorded Kong morning (fixtures/e2e) is held back and posted to
 * /v1/ingest while a queue is open, so its alerts arrive over SSE.
 */
const vigil = createVigilRun({ tokenizationKeyHex: 'c3'.repeat(32) });
const morning = join(root, 'fixtures', 'e2e', 'kong-hospital-morning.log');
let url = '';
let analystKey = '';
let viewerKey = '';
let adminKey = '';
let browser: Browser;
const problems: string[] = [];

const consoleUrl = (hash: string) => `${url}/console/${hash}`;
// The default poll timeout (1 s) is too short for a loaded 2-core machine; this waits for a state, not a time.
const eventually = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 100 });
const keyOf = (out: string) => out.trim().split('\n').pop() as string;
async function api<T>(path: string, key: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, ...(init.headers as Record<string, string>) } });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

async function signedIn(key: string, role: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  watchPage(page, problems);
  await page.goto(consoleUrl(''));
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await eventually(() => page.getByTestId('role').textContent()).toBe(role);
  return { context, page };
}

// Strings, not functions: this file compiles without the DOM lib.
const rowIds = (page: Page) => page.evaluate<string[]>("Array.from(document.querySelectorAll('table.alerts tbody tr'), (r) => r.getAttribute('data-id'))");

async function checkPage(page: Page, name: string) {
  await screenshot(page, name);
  expect({ page: name, violations: await seriousViolations(page) }).toEqual({ page: name, violations: [] });
}

describe('analyst console in a real browser', () => {
  beforeAll(async () => {
    requireChromium();
    ensureBuilt();
    const sim = join(vigil.dataDir, 'sim');
    vigil.cli('simulate', '--out', sim, '--days', '2', '--scale', '0.3', '--seed', '3');
    vigil.cli('replay', join(sim, 'traffic.log'));
    analystKey = keyOf(vigil.cli('keys', 'create', '--role', 'analyst', '--label', 'console e2e analyst'));
    viewerKey = keyOf(vigil.cli('keys', 'create', '--role', 'viewer', '--label', 'console e2e viewer'));
    adminKey = keyOf(vigil.cli('keys', 'create', '--role', 'admin', '--label', 'console e2e admin'));
    url = await vigil.start();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    await browser?.close();
    await vigil.stop();
    rmSync(vigil.dataDir, { recursive: true, force: true });
  });

  it('signs an analyst in with an API key and shows the role', async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    const page = await context.newPage();
    watchPage(page, problems);
    const res = await page.goto(consoleUrl(''));
    // The CSP is on, so "no CSP violation" below means the bundle needs nothing inline.
    expect(res?.headers()['content-security-policy']).toMatch(/(^|;)\s*script-src 'self';\s*style-src 'self';/);
    await eventually(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in to Vigil');
    await checkPage(page, 'sign-in');
    await page.getByLabel('API key').fill('vgl_wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await eventually(() => page.getByRole('alert').textContent()).toMatch(/^Sign-in failed: /);
    await page.getByLabel('API key').fill(analystKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await eventually(() => page.getByTestId('role').textContent()).toBe('analyst');
    // The key lives only in the HttpOnly cookie: nothing in storage, and the cookie is invisible to scripts.
    expect(await page.evaluate('JSON.stringify([localStorage.length, sessionStorage.length, document.cookie])')).toBe('[0,0,""]');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await eventually(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in to Vigil');
    expect((await context.request.get(`${url}/v1/session`)).status()).toBe(401);
    await context.close();
  });

  it('filters the queue to exactly the rows the API returns for the same filter, then triages an alert', async () => {
    const { context, page } = await signedIn(analystKey, 'analyst');
    const expected = await api<{ alerts: Alert[] }>('/v1/alerts?status=open&severity=high&limit=100', analystKey);
    expect(expected.status).toBe(200);
    expect(expected.body.alerts.length).toBeGreaterThan(0);
    await page.getByLabel('Status').selectOption('open');
    await page.getByLabel('Severity').selectOption('high');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await eventually(() => rowIds(page)).toEqual(expected.body.alerts.map((a) => a.id));
    await checkPage(page, 'queue');
    const byCount = await api<{ alerts: Alert[] }>('/v1/alerts?status=open&severity=high&sort=count&order=asc&limit=100', analystKey);
    await page.getByLabel('Sort by').selectOption('count');
    await page.getByLabel('Order').selectOption('asc');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await eventually(() => rowIds(page)).toEqual(byCount.body.alerts.map((a) => a.id));
    // Focus moves to the new page's heading after every navigation.
    await eventually(() => page.evaluate('document.activeElement && document.activeElement.textContent')).toBe('Alert queue');

    // An alert whose principal has retained events, so its principal page has a timeline.
    let target: Alert | undefined;
    for (const a of expected.body.alerts) {
      if ((await api(`/v1/principals/${encodeURIComponent(a.principal)}`, analystKey)).status === 200) {
        target = a;
        break;
      }
    }
    if (!target) throw new Error('no high open alert has a principal with retained events');
    await page.locator(`tr[data-id="${target.id}"] td a`).first().click();
    await eventually(() => page.getByTestId('summary').textContent()).toBe(target.summary);
    await eventually(() => page.locator('vigil-chart canvas').count()).toBeGreaterThan(0);
    await checkPage(page, 'alert');

    await page.getByRole('button', { name: 'Acknowledge', exact: true }).click();
    await eventually(() => page.getByTestId('status').textContent()).toBe(`Acknowledged (version ${target.version + 1})`);
    const after = await api<{ alert: Alert }>(`/v1/alerts/${target.id}`, analystKey);
    expect(after.body.alert).toMatchObject({ id: target.id, status: 'acknowledged', version: target.version + 1 });

    await page.getByRole('link', { name: target.principal, exact: true }).first().click();
    await eventually(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(`Principal ${target.principal}`);
    await eventually(() => page.getByRole('heading', { name: 'Activity timeline' }).count()).toBe(1);
    await checkPage(page, 'principal');

    await page.getByRole('link', { name: 'Inventory' }).click();
    const inventory = await api<{ routes: { template: string }[] }>('/v1/inventory?limit=500', analystKey);
    await eventually(() => page.locator('table.inventory tbody tr').count()).toBe(inventory.body.routes.length);
    await checkPage(page, 'inventory');
    await context.close();
  });

  it('acknowledges the selected rows from the keyboard (x selects, j moves, a acknowledges)', async () => {
    const { context, page } = await signedIn(analystKey, 'analyst');
    const open = await api<{ alerts: Alert[] }>('/v1/alerts?status=open&limit=100', analystKey);
    const [first, second] = open.body.alerts as [Alert, Alert];
    await page.goto(consoleUrl('#/alerts?status=open'));
    await eventually(() => rowIds(page)).toEqual(open.body.alerts.map((a) => a.id));
    await page.locator('tr[data-index="0"] td.num').click();
    await page.keyboard.press('x');
    await page.keyboard.press('j');
    await page.keyboard.press('x');
    await page.keyboard.press('a');
    await eventually(() => rowIds(page)).toEqual(open.body.alerts.slice(2).map((a) => a.id));
    for (const a of [first, second]) {
      expect((await api<{ alert: Alert }>(`/v1/alerts/${a.id}`, analystKey)).body.alert).toMatchObject({ status: 'acknowledged', version: a.version + 1 });
    }
    await context.close();
  });

  it('shows a viewer no triage controls', async () => {
    const { context, page } = await signedIn(viewerKey, 'viewer');
    await eventually(() => page.locator('table.alerts tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator('input[type="checkbox"]').count()).toBe(0);
    expect(await page.getByRole('button', { name: /Acknowledge|Resolve/ }).count()).toBe(0);
    await page.locator('table.alerts tbody tr td a').first().click();
    await eventually(() => page.getByText('Your role (viewer) can read alerts; triage needs the analyst role.').count()).toBe(1);
    expect(await page.getByRole('button', { name: /Acknowledge|Resolve|Reopen|false positive|Save note/ }).count()).toBe(0);
    await checkPage(page, 'alert-viewer');
    // A session that ends server-side (here: the cookie is gone) sends the page back to sign-in.
    await context.clearCookies();
    await page.getByRole('link', { name: 'Inventory' }).click();
    await eventually(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in to Vigil');
    await eventually(() => page.getByRole('alert').first().textContent()).toBe('Your session has ended (expired, idle too long, or its key was revoked). Sign in again.');
    await context.close();
  });

  it('shows an admin the overview with SIEM delivery health', async () => {
    const { context, page } = await signedIn(adminKey, 'admin');
    await page.getByRole('link', { name: 'Overview' }).click();
    await eventually(() => page.getByRole('heading', { name: 'Ingest' }).count()).toBe(1);
    // The simulated days lie months back; the default window is the last 24 h.
    await page.getByLabel('From (UTC)').fill('2026-03-01T00:00');
    await page.getByRole('button', { name: 'Show' }).click();
    await eventually(() => page.url()).toContain('since=2026-03-01T00%3A00%3A00.000Z');
    await eventually(() => page.locator('vigil-chart canvas').count()).toBeGreaterThan(0);
    await eventually(() => page.getByRole('heading', { name: 'SIEM delivery health' }).count()).toBe(1);
    await eventually(() => page.getByRole('heading', { name: 'Top principals' }).count()).toBe(1);
    await checkPage(page, 'overview');
    await context.close();
  });

  it('adds alerts delivered over SSE to the open queue without a reload', async () => {
    const { context, page } = await signedIn(analystKey, 'analyst');
    await page.goto(consoleUrl('#/alerts?principal=user%3Amallory'));
    await eventually(() => page.getByTestId('empty').count()).toBe(1);
    const ingest = await api<{ accepted: number }>('/v1/ingest?format=kong', analystKey, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: readFileSync(morning, 'utf8') });
    expect(ingest.status).toBe(202);
    const mallory = await api<{ alerts: Alert[] }>('/v1/alerts?principal=user%3Amallory', analystKey);
    expect(mallory.body.alerts.map((a) => a.detector)).toContain('bola/enumeration');
    await eventually(() => rowIds(page)).toEqual(mallory.body.alerts.map((a) => a.id));
    await screenshot(page, 'queue-live');
    await context.close();
  });

  it('runs every page without a CSP violation or a script error', () => {
    expect(problems).toEqual([]);
  });
});
