import { LitElement, html, nothing } from 'lit';
import { ApiError, type Api } from '../api.js';
import type { Session } from '../types.js';

/**
 * Sign-in with an API key: POST /v1/session turns it into an HttpOnly session cookie, and the key
 * is dropped from the page at once. NOTE: no "Sign in with SSO" button: the API does not say
 * whether OIDC is configured, and SSO users hold a JWT from their provider, not a login page here.
 */
export class VigilSignIn extends LitElement {
  static override properties = { api: { attribute: false }, error: { state: true }, busy: { state: true } };
  declare api: Api;
  declare error: string;
  declare busy: boolean;

  constructor() {
    super();
    this.error = '';
    this.busy = false;
  }

  protected override createRenderRoot() {
    return this;
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
      this.dispatchEvent(new CustomEvent<Session>('signed-in', { detail: s, bubbles: true }));
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
      </section>
    `;
  }
}

customElements.define('vigil-sign-in', VigilSignIn);
