import { LitElement, html } from 'lit';
import { ApiError } from '../api.js';
import { type ChartConfig, toSeconds } from '../chart.js';
import { canTriage, type ConsoleContext, type Load } from '../context.js';
import { STATUS_LABEL, fmtNumber, fmtTime } from '../format.js';
import { href } from '../router.js';
import type { Alert, PrincipalSummary } from '../types.js';
import { eventTable } from './event-table.js';
import '../chart.js';

/** One principal (GET /v1/principals/{p}, analyst): timeline, routes, objects, networks, apps. */
export class VigilPrincipal extends LitElement {
  static override properties = { ctx: { attribute: false }, principal: { attribute: false }, data: { state: true }, alerts: { state: true } };
  declare ctx: ConsoleContext;
  declare principal: string;
  declare data: Load<PrincipalSummary>;
  declare alerts: Alert[];

  constructor() {
    super();
    this.data = { state: 'loading' };
    this.alerts = [];
  }

  protected override createRenderRoot() {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.ctx.api.listAlerts(new URLSearchParams({ principal: this.principal, limit: '50' })).then(
      (p) => (this.alerts = p.alerts),
      () => (this.alerts = []),
    );
    if (!canTriage(this.ctx.session.role)) {
      this.data = { state: 'error', message: 'Principal activity needs the analyst role.', status: 403 };
      return;
    }
    this.ctx.api.principal(this.principal).then(
      (value) => (this.data = { state: 'ok', value }),
      (e: unknown) =>
        (this.data = {
          state: 'error',
          message: e instanceof ApiError && e.status === 404 ? 'No events are retained for this principal.' : e instanceof Error ? e.message : String(e),
        }),
    );
  }

  protected override render() {
    return html`<p class="crumbs"><a href=${href.queue()}>Alert queue</a> › principal</p>
      <h1>Principal <code>${this.principal}</code></h1>
      ${this.renderBody()}
      <section aria-labelledby="p-alerts">
        <h2 id="p-alerts">Alerts</h2>
        ${this.alerts.length === 0
          ? html`<p>No alerts for this principal.</p>`
          : html`<ul class="related">${this.alerts.map(
              (a) => html`<li><span class=${`sev sev-${a.severity}`}>${a.severity}</span> <a href=${href.alert(a.id)}>${a.summary}</a> <span class="muted">${fmtTime(a.lastSeen)} · ${STATUS_LABEL[a.status] ?? a.status}</span></li>`,
            )}</ul>`}
      </section>`;
  }

  private renderBody() {
    const l = this.data;
    if (l.state === 'loading') return html`<p>Loading…</p>`;
    if (l.state === 'error') return html`<p class="help">${l.message}</p>`;
    const p = l.value;
    const chart: ChartConfig = {
      label: `Events, errors and distinct objects per hour for ${p.principal}`,
      xs: p.timeline.map((t) => toSeconds(t.hour)),
      yLabel: 'per hour',
      // Distinct objects beside events: many objects per request hour is the BOLA enumeration shape.
      series: [
        { label: 'events', values: p.timeline.map((t) => t.events), color: '#0072B2' },
        { label: 'errors', values: p.timeline.map((t) => t.errors), color: '#D55E00' },
        { label: 'distinct objects', values: p.timeline.map((t) => t.distinctObjects), color: '#009E73' },
      ],
    };
    return html`
      <dl class="facts">
        <div><dt>Kinds</dt><dd>${p.kinds.join(', ') || '—'}</dd></div>
        <div><dt>Apps (cohort)</dt><dd>${p.apps.join(', ') || '—'}</dd></div>
        <div><dt>Events</dt><dd>${fmtNumber(p.events)}</dd></div>
        <div><dt>First seen</dt><dd>${fmtTime(p.firstSeen)}</dd></div>
        <div><dt>Last seen</dt><dd>${fmtTime(p.lastSeen)}</dd></div>
        <div><dt>Status mix</dt><dd>${Object.entries(p.statusMix).map(([k, v]) => `${k}: ${v}`).join(', ') || '—'}</dd></div>
      </dl>
      <section aria-labelledby="p-timeline">
        <h2 id="p-timeline">Activity timeline</h2>
        <figure><vigil-chart .config=${chart}></vigil-chart><figcaption>${chart.label}</figcaption></figure>
      </section>
      <div class="columns">
        <section aria-labelledby="p-routes">
          <h2 id="p-routes">Routes</h2>
          <table><thead><tr><th scope="col">Method</th><th scope="col">Route</th><th scope="col">Requests</th></tr></thead>
            <tbody>${p.routes.map((r) => html`<tr><td>${r.method}</td><td><code>${r.route}</code></td><td class="num">${fmtNumber(r.count)}</td></tr>`)}</tbody></table>
        </section>
        <section aria-labelledby="p-objects">
          <h2 id="p-objects">Distinct objects</h2>
          ${p.distinctObjects.length === 0
            ? html`<p>No object identifiers in its requests.</p>`
            : html`<table><thead><tr><th scope="col">Type</th><th scope="col">Distinct objects</th></tr></thead>
                <tbody>${p.distinctObjects.map((o) => html`<tr><td>${o.type}</td><td class="num">${fmtNumber(o.count)}</td></tr>`)}</tbody></table>`}
        </section>
        <section aria-labelledby="p-networks">
          <h2 id="p-networks">Networks (source IPs)</h2>
          <ul>${p.sourceIps.map((ip) => html`<li><code>${ip}</code></li>`)}</ul>
          <h3>User agents</h3>
          <ul>${p.userAgents.map((ua) => html`<li>${ua}</li>`)}</ul>
        </section>
      </div>
      <section aria-labelledby="p-recent">
        <h2 id="p-recent">Recent events</h2>
        ${eventTable(p.recentEvents, 'Recent events (identifiers tokenized)')}
      </section>`;
  }
}

customElements.define('vigil-principal', VigilPrincipal);
