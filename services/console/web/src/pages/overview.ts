import { LitElement, html, nothing } from 'lit';
import { PALETTE, type ChartConfig, toSeconds } from '../chart.js';
import { isAdmin, type ConsoleContext, type Load } from '../context.js';
import { fmtNumber, fmtTime, isoToLocalInput, localInputToIso } from '../format.js';
import { href } from '../router.js';
import type { Overview } from '../types.js';
import '../chart.js';

/** Alerts over time by detector as one series per detector over the union of bucket times. */
export function pivotAlerts(rows: Overview['alertsOverTime']): { xs: number[]; series: { detector: string; values: number[] }[] } {
  const times = [...new Set(rows.map((r) => r.t))].sort();
  const index = new Map(times.map((t, i) => [t, i]));
  const byDetector = new Map<string, number[]>();
  for (const r of rows) {
    const values = byDetector.get(r.detector) ?? new Array<number>(times.length).fill(0);
    values[index.get(r.t) as number] = r.count;
    byDetector.set(r.detector, values);
  }
  return { xs: times.map(toSeconds), series: [...byDetector].sort(([a], [b]) => a.localeCompare(b)).map(([detector, values]) => ({ detector, values })) };
}

/** The SOC's first screen (GET /v1/overview): alerts by detector, top principals, ingest, delivery. */
export class VigilOverview extends LitElement {
  static override properties = { ctx: { attribute: false }, query: { attribute: false }, data: { state: true } };
  declare ctx: ConsoleContext;
  declare query: URLSearchParams;
  declare data: Load<Overview>;

  constructor() {
    super();
    this.data = { state: 'loading' };
  }

  protected override createRenderRoot() {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    const q = new URLSearchParams();
    for (const k of ['since', 'until']) {
      const v = this.query.get(k);
      if (v) q.set(k, v);
    }
    this.ctx.api.overview(q).then(
      (value) => (this.data = { state: 'ok', value }),
      (e: unknown) => (this.data = { state: 'error', message: e instanceof Error ? e.message : String(e) }),
    );
  }

  private apply(e: SubmitEvent) {
    e.preventDefault();
    const data = new FormData(e.currentTarget as HTMLFormElement);
    const q = new URLSearchParams();
    for (const k of ['since', 'until']) {
      const v = data.get(k);
      const iso = typeof v === 'string' ? localInputToIso(v) : undefined;
      if (iso) q.set(k, iso);
    }
    window.location.hash = `${href.overview()}${q.size ? `?${q.toString()}` : ''}`;
  }

  protected override render() {
    return html`<h1>Overview</h1>
      <form class="filters" aria-label="Time range" @submit=${(e: SubmitEvent) => this.apply(e)}>
        <div class="field"><label for="o-since">From (UTC)</label><input id="o-since" name="since" type="datetime-local" .value=${isoToLocalInput(this.query.get('since') ?? undefined)} /></div>
        <div class="field"><label for="o-until">Until (UTC)</label><input id="o-until" name="until" type="datetime-local" .value=${isoToLocalInput(this.query.get('until') ?? undefined)} /></div>
        <div class="field actions"><button type="submit">Show</button></div>
      </form>
      ${this.renderBody()}`;
  }

  private renderBody() {
    const l = this.data;
    if (l.state === 'loading') return html`<p>Loading…</p>`;
    if (l.state === 'error') return html`<p class="error" role="alert">Could not load the overview: ${l.message}</p>`;
    const o = l.value;
    const pivot = pivotAlerts(o.alertsOverTime);
    const alertsChart: ChartConfig = {
      label: `Alerts per ${o.bucketSeconds} s by detector`,
      xs: pivot.xs,
      yLabel: 'alerts',
      series: pivot.series.map((s, i) => ({ label: s.detector, values: s.values, color: PALETTE[i % PALETTE.length] as string })),
    };
    const ingestChart: ChartConfig = {
      label: 'Events ingested per minute',
      xs: o.ingest.eventsPerMinute.map((p) => toSeconds(p.t)),
      yLabel: 'events / min',
      series: [{ label: 'events', values: o.ingest.eventsPerMinute.map((p) => p.events), color: '#0072B2' }],
      height: 180,
    };
    return html`
      <section aria-labelledby="o-alerts">
        <h2 id="o-alerts">Alerts over time by detector</h2>
        ${pivot.xs.length === 0 ? html`<p>No alerts in this range (default: the last 24 hours).</p>` : html`<figure><vigil-chart .config=${alertsChart}></vigil-chart><figcaption>${alertsChart.label}</figcaption></figure>`}
      </section>
      <div class="columns">
        <section aria-labelledby="o-top">
          <h2 id="o-top">Top principals</h2>
          ${o.topPrincipals.length === 0
            ? html`<p>None.</p>`
            : html`<table><thead><tr><th scope="col">Principal</th><th scope="col">Alerts</th><th scope="col">Highest severity</th></tr></thead>
                <tbody>${o.topPrincipals.map(
                  (p) => html`<tr><td><a href=${href.principal(p.principal)}>${p.principal}</a></td><td class="num">${p.alerts}</td><td><span class=${`sev sev-${p.maxSeverity}`}>${p.maxSeverity}</span></td></tr>`,
                )}</tbody></table>`}
        </section>
        <section aria-labelledby="o-ingest">
          <h2 id="o-ingest">Ingest</h2>
          <dl class="facts">
            <div><dt>Lag</dt><dd data-testid="lag">${o.ingest.lagSeconds === null ? 'not measured (no Kafka, or no rate yet)' : `${fmtNumber(o.ingest.lagSeconds)} s`}${o.ingest.lagMessages ? ` (${fmtNumber(o.ingest.lagMessages)} messages)` : ''}</dd></div>
            <div><dt>Newest event</dt><dd>${fmtTime(o.ingest.lastEventAt)}</dd></div>
          </dl>
          ${ingestChart.xs.length === 0 ? html`<p>No events in this range.</p>` : html`<figure><vigil-chart .config=${ingestChart}></vigil-chart><figcaption>${ingestChart.label}</figcaption></figure>`}
        </section>
      </div>
      ${isAdmin(this.ctx.session.role) ? this.renderDelivery(o) : nothing}`;
  }

  private renderDelivery(o: Overview) {
    return html`<section aria-labelledby="o-delivery">
      <h2 id="o-delivery">SIEM delivery health</h2>
      ${o.delivery.length === 0
        ? html`<p>No SIEM destinations are configured.</p>`
        : html`<table><thead><tr><th scope="col">Destination</th><th scope="col">Type</th><th scope="col">Pending</th><th scope="col">Failed</th><th scope="col">Delivered</th><th scope="col">Oldest pending</th></tr></thead>
            <tbody>${o.delivery.map(
              (d) => html`<tr class=${d.failed > 0 ? 'warn' : ''}><td>${d.name}</td><td>${d.type}</td><td class="num">${d.pending}</td><td class="num">${d.failed}</td><td class="num">${d.delivered}</td>
                <td>${d.pending === 0 || d.oldestPendingSeconds === null ? "none pending" : `${fmtNumber(d.oldestPendingSeconds)} s`}</td></tr>`,
            )}</tbody></table>`}
    </section>`;
  }
}

customElements.define('vigil-overview', VigilOverview);
