import { rmSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIdp, type TestIdp } from '../../libs/auth/test-support/idp.js';
import { screenshot, seriousViolations, watchPage } from './test-support/browser.js';
import { CHROMIUM, createVigilRun, ensureBuilt, requireChromium } from './test-support/vigil-run.js';

/**
 * "Sign in with SSO" end to end: a real `vigil start` whose OIDC issuer is the local test IdP
 * (auto-approving login, PKCE-checking token endpoint), driven in Debian's chromium.
 */
const vigil = createVigilRun({ tokenizationKeyHex: 'd4'.repeat(32) });
let idp: TestIdp;
let url = '';
let browser: Browser;
const problems: string[] = [];
const eventually = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 100 });

async function freshPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  watchPage(page, problems);
  return page;
}

describe('console single sign-on in a real browser', () => {
  beforeAll(async () => {
    requireChromium();
    ensureBuilt();
    idp = await startTestIdp();
    idp.loginClaims = { sub: 'dr-wilson', roles: ['soc-analysts'] };
    Object.assign(vigil.env, {
      VIGIL_OIDC_ISSUER: idp.issuer,
      // The id_token's aud is the client id, so that is the audience Vigil accepts.
      VIGIL_OIDC_AUDIENCE: 'vigil-console',
      VIGIL_OIDC_ROLE_MAPPING: '{"soc-analysts":"analyst"}',
      VIGIL_OIDC_CONSOLE_CLIENT_ID: 'vigil-console',
    });
    url = await vigil.start();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    await browser?.close();
    await vigil.stop();
    await idp?.close();
    rmSync(vigil.dataDir, { recursive: true, force: true });
  });

  it('signs in through the IdP with PKCE and lands signed in with the mapped role, leaving no code or verifier behind', async () => {
    const page = await freshPage();
    await page.goto(`${url}/console/`);
    const button = page.getByRole('button', { name: 'Sign in with SSO' });
    await eventually(() => button.count()).toBe(1);
    await checkPage(page, 'sso-sign-in');
    await button.click();
    await eventually(() => page.getByTestId('role').textContent()).toBe('analyst');
    expect(await page.getByTestId('who').textContent()).toContain('oidc:dr-wilson');
    expect([page.url(), await page.evaluate<number>('sessionStorage.length'), idp.hits.authorize, idp.hits.token]).toEqual([`${url}/console/`, 0, 1, 1]);
    expect(idp.lastTokenError).toBe('');
    // The session is the HttpOnly cookie, not a token in the page.
    expect(await page.evaluate<string>('document.cookie')).toBe('');
    await page.context().close();
  });

  it('refuses an answer whose state this tab did not send, without redeeming the code', async () => {
    const page = await freshPage();
    await page.goto(`${url}/console/`);
    await eventually(() => page.getByRole('button', { name: 'Sign in with SSO' }).count()).toBe(1);
    await page.evaluate(`sessionStorage.setItem('vigil.sso.pkce', JSON.stringify({ verifier: '${'v'.repeat(43)}', state: 'the-real-state' }))`);
    const tokenHits = idp.hits.token;
    await page.goto(`${url}/console/?code=stolen-code&state=forged-state`);
    await eventually(() => page.getByRole('alert').textContent()).toBe(
      "SSO sign-in failed: the identity provider's answer does not match this tab's sign-in (state mismatch); start again",
    );
    await checkPage(page, 'sso-state-refused');
    expect([page.url(), await page.evaluate<number>('sessionStorage.length'), idp.hits.token, await page.getByTestId('role').count()]).toEqual([`${url}/console/`, 0, tokenHits, 0]);
    await page.context().close();
  });

  it('had no CSP violations or page errors', () => {
    expect(problems).toEqual([]);
  });
});

async function checkPage(page: Page, name: string) {
  await screenshot(page, name);
  expect({ page: name, violations: await seriousViolations(page) }).toEqual({ page: name, violations: [] });
}
