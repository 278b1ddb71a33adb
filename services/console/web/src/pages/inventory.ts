import { LitElement, html, nothing } from 'lit';
import type { ConsoleContext, Load } from '../context.js';
import { fmtNumber, fmtTime } from '../format.js';
import type { InventoryEntry } from '../types.js';

const FLAGS = [
  ['shadow', 'Shadow (undeclared)'],
  ['zombie', 'Zombie'],
  ['unauthenticated', 'Unauthenticated'],
  ['returnsPhi', 'Returns PHI'],
] as const;

/** The API inventory (GET /v1/inventory): routes with volume, auth, PHI and shadow/zombie flags. */
export class VigilInventory extends LitElement {
  static override properties = { ctx: { attribute: false }, query: { attribute: false }, data: { state: true }, routes: { state: true }, nextCursor: { state: true } };
  declare ctx: ConsoleContext;
  declare query: URLSearchParams;
  declare data: Load<true>;
  declare routes: InventoryEntry[];
  declare nextCursor: string | undefined;

  constructor() {
    super();
    this.data = { state: 'loading' };
    this.routes = [];
  }

  protected override createRenderRoot() {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.fetchPage(undefined);
  }

  private async fetchPage(cursor: string | undefined) {
    const q = new URLSearchParams({ limit: '500' });
    for (const [k] of FLAGS) if (this.query.get(k) === 'true') q.set(k, 'true');
    if (cursor) q.set('cursor', cursor);
    try {
      const page = await this.ctx.api.inventory(q);
      this.routes = cursor ? [...this.routes, ...page.routes] : page.routes;
      this.nextCursor = page.nextCursor;
      this.data = { state: 'ok', value: true };
    } catch (e) {
      this.data = { state: 'error', message: e instanceof Error ? e.message : String(e) };
    }
  }

  private apply(e: SubmitEvent) {
    e.preventDefault();
    const data = new FormData(e.currentTarget as HTMLFormElement);
    const q = new URLSearchParams();
    for (const [k] of FLAGS) if (data.get(k) === 'true') q.set(k, 'true');
    window.location.hash = `#/inventory${q.size ? `?${q.toString()}` : ''}`;
  }

  protected override render() {
    return html`<h1>API inventory</h1>
      <form class="filters" aria-label="Filter routes" @submit=${(e: SubmitEvent) => this.apply(e)}>
        <fieldset><legend>Only routes that are</legend>
          ${FLAGS.map(([k, label]) => html`<label class="check"><input type="checkbox" name=${k} value="true" ?checked=${this.query.get(k) === 'true'} /> ${label}</label>`)}
        </fieldset>
        <div class="field actions"><button type="submit">Apply filters</button></div>
      </form>
      ${this.renderTable()}`;
  }

  private renderTable() {
    const l = this.data;
    if (l.state === 'loading') return html`<p>Loading…</p>`;
    if (l.state === 'error') return html`<p class="error" role="alert">Could not load the inventory: ${l.message}</p>`;
    if (this.routes.length === 0) return html`<p>No routes match.</p>`;
    const flag = (on: boolean, label: string, cls: string) => (on ? html`<span class=${`flag ${cls}`}>${label}</span>` : nothing);
    return html`<div class="scroll"><table class="inventory">
        <caption>${this.routes.length} route${this.routes.length === 1 ? '' : 's'}${this.nextCursor ? ' (more available)' : ''}</caption>
        <thead><tr><th scope="col">Service</th><th scope="col">Route</th><th scope="col">Methods</th><th scope="col">Requests</th><th scope="col">Principals</th><th scope="col">Auth</th><th scope="col">Flags</th><th scope="col">Last seen</th></tr></thead>
        <tbody>${this.routes.map(
          (r) => html`<tr>
            <td>${r.service}</td>
            <td><code>${r.template}</code></td>
            <td>${r.methods.join(' ')}</td>
            <td class="num">${fmtNumber(r.requests)}</td>
            <td class="num">${r.principals.exact ? '' : '≈'}${fmtNumber(r.principals.count)}</td>
            <td>${Object.entries(r.authSchemes).map(([k, v]) => `${k} ${fmtNumber(v)}`).join(', ') || '—'}</td>
            <td>${flag(r.shadow, 'shadow', 'flag-shadow')} ${flag(r.zombie, `zombie${r.zombieReasons.length ? ` (${r.zombieReasons.join(', ')})` : ''}`, 'flag-zombie')}
              ${flag(r.unauthenticated, 'unauthenticated', 'flag-unauth')} ${flag(r.returnsPhi, 'PHI', 'flag-phi')}</td>
            <td>${fmtTime(r.lastSeen)}</td>
          </tr>`,
        )}</tbody>
      </table></div>
      ${this.nextCursor ? html`<button type="button" class="secondary" @click=${() => void this.fetchPage(this.nextCursor)}>Load more</button>` : nothing}`;
  }
}

customElements.define('vigil-inventory', VigilInventory);
