import { LitElement, html, nothing } from 'lit';
import { keyed } from 'lit/directives/keyed.js';
import { createApi } from './api.js';
import type { ConsoleContext } from './context.js';
import { parseRoute, href, type Route } from './router.js';
import { openLiveAlerts } from './live.js';
import type { Alert, Session } from './types.js';
import './pages/sign-in.js';
import './pages/queue.js';
import './pages/alert.js';
import './pages/principal.js';
import './pages/inventory.js';
import './pages/overview.js';

/**
 * The shell: session check, sign-in, navigation, hash routing, live alerts and focus management
 * (after every page change focus moves to the page's heading, so keyboard and screen-reader users
 * start at the top of the new page).
 */
export class VigilApp extends LitElement {
  static override properties = { session: { state: true }, route: { state: true }, bootError: { state: true }, message: { state: true } };
  declare session: Session | null | undefined;
  declare route: Route;
  declare bootError: string;
  declare message: string;
  private readonly api = createApi({
    fetch: (...a) => window.fetch(...a),
    base: '',
    onSessionEnded: () => {
      this.alerts.clear();
      this.setSession(null);
      this.bootError = 'Your session has ended (expired, idle too long, or its key was revoked). Sign in again.';
    },
  });
  private readonly live = new EventTarget();
  private readonly alerts = new Map<string, Alert>();
  private closeLive: (() => void) | undefined;
  private ctx: ConsoleContext | undefined;
  private routeKey = '';
  private readonly onHash = () => this.readRoute(true);

  constructor() {
    super();
    this.session = undefined;
    this.route = { page: 'queue', query: new URLSearchParams() };
    this.bootError = '';
    this.message = '';
  }

  protected override createRenderRoot() {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('hashchange', this.onHash);
    this.readRoute(false);
    this.api.getSession().then(
      (s) => this.setSession(s),
      (e: unknown) => {
        this.session = null;
        this.bootError = `Could not reach Vigil: ${e instanceof Error ? e.message : String(e)}`;
      },
    );
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('hashchange', this.onHash);
    this.closeLive?.();
  }

  private readRoute(focus: boolean) {
    const r = parseRoute(window.location.hash);
    if (!r) return;
    this.route = r;
    if (focus) void this.updateComplete.then(() => this.focusHeading());
  }

  private focusHeading() {
    const h = this.querySelector<HTMLElement>('main h1');
    if (h) {
      h.tabIndex = -1;
      h.focus();
    }
  }

  private setSession(s: Session | null) {
    this.closeLive?.();
    this.closeLive = undefined;
    this.session = s;
    if (!s) {
      this.ctx = undefined;
      return;
    }
    this.ctx = {
      api: this.api,
      session: s,
      live: this.live,
      alerts: this.alerts,
      announce: (m) => this.announce(m),
    };
    this.closeLive = openLiveAlerts({
      url: '/v1/alerts/stream',
      onAlert: (a) => {
        this.alerts.set(a.id, a);
        this.live.dispatchEvent(new CustomEvent<Alert>('alert', { detail: a }));
      },
    });
  }

  private announce(m: string) {
    // Clear first so the same message twice is read twice.
    this.message = '';
    void this.updateComplete.then(() => {
      this.message = m;
    });
  }

  private async signOut() {
    try {
      await this.api.signOut();
    } finally {
      this.alerts.clear();
      this.setSession(null);
      void this.updateComplete.then(() => this.querySelector<HTMLElement>('#api-key')?.focus());
    }
  }

  private skip(e: Event) {
    e.preventDefault();
    this.focusHeading();
  }

  protected override render() {
    const s = this.session;
    return html`
      <a class="skip-link" href="#main" @click=${(e: Event) => this.skip(e)}>Skip to content</a>
      <header class="top">
        <p class="brand"><a href=${href.queue()}>Vigil</a> <span class="brand-sub">analyst console</span></p>
        ${s
          ? html`<nav aria-label="Main">
                <ul>
                  <li><a href=${href.queue()} aria-current=${this.route.page === 'queue' || this.route.page === 'alert' ? 'page' : 'false'}>Alerts</a></li>
                  <li><a href=${href.overview()} aria-current=${this.route.page === 'overview' ? 'page' : 'false'}>Overview</a></li>
                  <li><a href=${href.inventory()} aria-current=${this.route.page === 'inventory' ? 'page' : 'false'}>Inventory</a></li>
                </ul>
              </nav>
              <div class="who">
                <span data-testid="who">Signed in as <strong>${s.actor}</strong> <span class="role" data-testid="role">${s.role}</span></span>
                <button type="button" class="secondary" @click=${() => void this.signOut()}>Sign out</button>
              </div>`
          : nothing}
      </header>
      <main id="main">${this.renderMain()}</main>
      <div class="visually-hidden" role="status" aria-live="polite">${this.message}</div>
    `;
  }

  private renderMain() {
    if (this.session === undefined) return html`<p>Loading…</p>`;
    if (this.session === null || !this.ctx) {
      return html`${this.bootError ? html`<p class="error" role="alert">${this.bootError}</p>` : nothing}
        <vigil-sign-in .api=${this.api} @signed-in=${(e: CustomEvent<Session>) => this.signedIn(e.detail)}></vigil-sign-in>`;
    }
    const r = this.route;
    const ctx = this.ctx;
    this.routeKey = JSON.stringify([r.page, 'id' in r ? r.id : '', 'principal' in r ? r.principal : '', 'query' in r ? r.query.toString() : '']);
    switch (r.page) {
      case 'queue':
        return keyed(this.routeKey, html`<vigil-queue .ctx=${ctx} .query=${r.query}></vigil-queue>`);
      case 'alert':
        return keyed(this.routeKey, html`<vigil-alert .ctx=${ctx} .alertId=${r.id}></vigil-alert>`);
      case 'principal':
        return keyed(this.routeKey, html`<vigil-principal .ctx=${ctx} .principal=${r.principal}></vigil-principal>`);
      case 'inventory':
        return keyed(this.routeKey, html`<vigil-inventory .ctx=${ctx} .query=${r.query}></vigil-inventory>`);
      case 'overview':
        return keyed(this.routeKey, html`<vigil-overview .ctx=${ctx} .query=${r.query}></vigil-overview>`);
      case 'notFound':
        return html`<h1>Page not found</h1>
          <p>No console page at <code>${r.path}</code>. <a href=${href.queue()}>Go to the alert queue</a>.</p>`;
    }
  }

  private signedIn(s: Session) {
    this.bootError = '';
    this.setSession(s);
    this.announce(`Signed in as ${s.actor}, role ${s.role}`);
    void this.updateComplete.then(() => this.focusHeading());
  }
}

customElements.define('vigil-app', VigilApp);
