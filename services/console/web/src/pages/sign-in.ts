import { LitElement, html, nothing } from 'lit';
import { ApiError, type Api } from '../api.js';
import type { Session } from '../types.js';
import { beginSso, finishSso, ssoReturn, type SsoSettings } from './sign-in-sso.js';

/**
 * Sign-in with an API key or, when GET /v1/session/sso says so, with the SSO provider
 * (authorization code + PKCE, pages/sign-in-sso.ts). Either credential becomes an HttpOnly session
 * cookie via POST /v1/session and is dropped from the page at once.
 */
export class VigilSignIn extends LitElement {
  static override properties = { api: { attribute: false }, error: { state: true }, busy: { state: true }, sso: { state: true }, ssoNote: { state: true } };
  declare api: Api;
  declare error: string;
  declare busy: boolean;
  /** SSO settings when offered; undefined while unknown or off. */
  declare sso: SsoSettings | undefined;
  /** Why SSO is not offered although configured (the IdP did not answer). */
  declare ssoNote: string;

  constructor() {
    super();
    this.error = '';
    this.busy = false;
    this.sso = undefined;
    this.ssoNote = '';
  }

  protected override createRenderRoot() {
    return this;
  }

  override connectedCallback() {
    super.connectedCallback();
    void this.loadSso();
  }

  private signedIn(s: Session) {
    this.dispatchEvent(new CustomEvent<Session>('signed-in', { detail: s, bubbles: true }));
  }

  /** Asks whether SSO is on; when the IdP has just sent the browser back here, finishes that sign-in. */
  private async loadSso() {
    const answer = ssoReturn(location.search);
    // The code and state leave the address bar (and history) at once, whatever happens next.
    if (answer) history.replaceState(history.state, '', `${location.pathname}${location.hash}`);
    if (answer) this.busy = true;
    try {
      const s = await this.api.ssoSettings();
      this.sso = s.enabled ? s : undefined;
      if (!answer) return;
      if (!s.enabled) throw new Error('single sign-on is not configured on this Vigil');
      const token = await finishSso(answer, s, { origin: location.origin, storage: sessionStorage, fetch: (i, init) => fetch(i, init) });
      this.signedIn(await this.api.signInWithToken(token));
    } catch (err) {
      if (answer) this.error = `SSO sign-in failed: ${err instanceof Error ? err.message : String(err)}`;
      else this.ssoNote = `Single sign-on is unavailable: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      this.busy = false;
    }
  }

  private async startSso() {
    if (!this.sso) return;
    this.busy = true;
    this.error = '';
    try {
      location.assign(await beginSso(this.sso, location.origin, sessionStorage));
    } catch (err) {
      this.error = `SSO sign-in failed: ${err instanceof Error ? err.message : String(err)}`;
      this.busy = false;
    }
  }

  private async submit(e: SubmitEvent) {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const input = form.querySelector<HTMLInputElement>('#api-key');
    const key = input?.value.trim() ?? '';
    if (key === '') {
      this.error = 'Enter an API key.';
      input?.focus();
      return;
    }
    this.busy = true;
    this.error = '';
    try {
      const s = await this.api.signIn(key);
      if (input) input.value = '';
      this.signedIn(s);
    } catch (err) {
      this.error =
        err instanceof ApiError && err.status === 401
          ? `Sign-in failed: ${err.message}`
          : err instanceof ApiError && err.status === 429
            ? 'Too many failed sign-ins; wait a minute and try again.'
            : `Sign-in failed: ${err instanceof Error ? err.message : String(err)}`;
      input?.focus();
    } finally {
      this.busy = false;
    }
  }

  protected override render() {
    return html`
      <section class="sign-in" aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in to Vigil</h1>
        <form @submit=${(e: SubmitEvent) => void this.submit(e)} novalidate>
          <label for="api-key">API key</label>
          <input id="api-key" name="apiKey" type="password" autocomplete="off" spellcheck="false" placeholder="vgl_…" aria-describedby="api-key-help${this.error ? ' sign-in-error' : ''}" aria-invalid=${this.error ? 'true' : 'false'} />
          <p id="api-key-help" class="help">Create one with <code>vigil keys create --role analyst</code>. The key becomes a session cookie; it is not kept in the browser.</p>
          ${this.error ? html`<p id="sign-in-error" class="error" role="alert">${this.error}</p>` : nothing}
          <button type="submit" ?disabled=${this.busy}>${this.busy ? 'Signing in…' : 'Sign in'}</button>
        </form>
        ${this.sso
          ? html`<p class="or">or</p>
              <button type="button" class="sso" ?disabled=${this.busy} @click=${() => void this.startSso()}>Sign in with SSO</button>`
          : nothing}
        ${this.ssoNote ? html`<p class="help">${this.ssoNote}</p>` : nothing}
      </section>
    `;
  }
}

customElements.define('vigil-sign-in', VigilSignIn);
