import { LitElement, html, nothing } from 'lit';
import { ApiError } from '../api.js';
import { type ChartConfig, toSeconds } from '../chart.js';
import { canTriage, type ConsoleContext, type Load } from '../context.js';
import { STATUSES, STATUS_LABEL, fmtTime } from '../format.js';
import { href } from '../router.js';
import type { Activity, Alert, AlertStatus, StoredEvent } from '../types.js';
import { eventTable } from './event-table.js';
import '../chart.js';

const ACTION_LABEL: Record<AlertStatus, string> = { acknowledged: 'Acknowledge', resolved: 'Resolve', false_positive: 'Mark false positive', open: 'Reopen' };

/**
 * One alert: its sentence, the evidence as a picture (activity against the principal's baseline
 * band, alert window shaded), tokenized sample events, related alerts and triage. Evidence and
 * samples need the analyst role; a viewer sees the alert as the queue gave it.
 */
export class VigilAlert extends LitElement {
  static override properties = {
    ctx: { attribute: false },
    alertId: { attribute: false },
    alert: { state: true },
    detail: { state: true },
    activity: { state: true },
    related: { state: true },
    notice: { state: true },
    busy: { state: true },
  };
  declare ctx: ConsoleContext;
  declare alertId: string;
  declare alert: Alert | undefined;
  declare detail: Load<StoredEvent[]>;
  declare activity: Load<Activity>;
  declare related: Load<Alert[]>;
  declare notice: string;
  declare busy: boolean;
  private readonly onLive = (e: Event) => {
    const a = (e as CustomEvent<Alert>).detail;
    if (a.id === this.alertId && (!this.alert || a.version > this.alert.version)) this.alert = a;
  };

  constructor() {
    super();
    this.detail = { state: 'loading' };
    this.activity = { state: 'loading' };
    this.related = { state: 'loading' };
    this.notice = '';
    this.busy = false;
  }

  protected override createRenderRoot() {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.alert = this.ctx.alerts.get(this.alertId);
    this.ctx.live.addEventListener('alert', this.onLive);
    void this.loadAll();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.ctx.live.removeEventListener('alert', this.onLive);
  }

  private async loadAll() {
    const analyst = canTriage(this.ctx.session.role);
    if (analyst) {
      try {
        const d = await this.ctx.api.getAlert(this.alertId);
        this.setAlert(d.alert);
        this.detail = { state: 'ok', value: d.sampleEvents };
      } catch (e) {
        this.detail = failed(e);
      }
      this.ctx.api.activity(this.alertId).then(
        (a) => (this.activity = { state: 'ok', value: a }),
        (e: unknown) => (this.activity = failed(e)),
      );
    } else {
      this.detail = { state: 'error', message: 'Sample events need the analyst role.', status: 403 };
      this.activity = { state: 'error', message: 'The activity chart needs the analyst role.', status: 403 };
    }
    const a = this.alert;
    if (!a) {
      this.related = { state: 'error', message: 'Alert not found.', status: 404 };
      return;
    }
    try {
      const page = await this.ctx.api.listAlerts(new URLSearchParams({ principal: a.principal, limit: '50' }));
      this.related = { state: 'ok', value: page.alerts.filter((x) => x.id !== a.id) };
    } catch (e) {
      this.related = failed(e);
    }
  }

  private setAlert(a: Alert) {
    this.ctx.alerts.set(a.id, a);
    if (!this.alert || a.version >= this.alert.version) this.alert = a;
  }

  private async triage(status: AlertStatus | undefined) {
    const note = this.querySelector<HTMLTextAreaElement>('#note')?.value ?? '';
    const patch: { status?: AlertStatus; note?: string } = {};
    if (status) patch.status = status;
    if (note !== (this.alert?.note ?? '')) patch.note = note;
    if (!patch.status && patch.note === undefined) {
      this.notice = 'Nothing to save: the note is unchanged.';
      return;
    }
    this.busy = true;
    try {
      const a = await this.ctx.api.patchAlert(this.alertId, patch);
      this.setAlert(a);
      this.notice = `Saved: status ${STATUS_LABEL[a.status] ?? a.status}, version ${a.version}.`;
    } catch (e) {
      this.notice = `Could not save: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      this.busy = false;
    }
    // The pressed button may be gone (a status is not offered twice): keep focus in the triage box.
    await this.updateComplete;
    this.querySelector<HTMLElement>('[data-testid="triage-notice"]')?.focus();
  }

  protected override render() {
    const a = this.alert;
    if (!a) {
      if (this.detail.state === 'loading') return html`<h1>Alert</h1><p>Loading…</p>`;
      return html`<h1>Alert not available</h1>
        <p class="error" role="alert">${this.detail.state === 'error' && this.detail.status !== 403 ? this.detail.message : 'This alert is not in your queue; open it from the alert queue.'}</p>
        <p><a href=${href.queue()}>Back to the alert queue</a></p>`;
    }
    const triage = canTriage(this.ctx.session.role);
    return html`
      <p class="crumbs"><a href=${href.queue()}>Alert queue</a> › ${a.id}</p>
      <h1><span class=${`sev sev-${a.severity}`}>${a.severity}</span> ${a.detector} <span class="muted">${a.owasp}</span></h1>
      <p class="summary" data-testid="summary">${a.summary}</p>
      <dl class="facts">
        <div><dt>Status</dt><dd data-testid="status"><span class=${`status status-${a.status}`}>${STATUS_LABEL[a.status] ?? a.status}</span> (version ${a.version})</dd></div>
        <div><dt>Principal</dt><dd><a href=${href.principal(a.principal)}>${a.principal}</a>${a.app ? ` · ${a.app}` : ''}</dd></div>
        <div><dt>Route</dt><dd><code>${a.route}</code></dd></div>
        <div><dt>Source IPs</dt><dd>${a.sourceIps.join(', ') || '—'}</dd></div>
        <div><dt>First seen</dt><dd>${fmtTime(a.firstSeen)}</dd></div>
        <div><dt>Last seen</dt><dd>${fmtTime(a.lastSeen)}</dd></div>
        <div><dt>Findings</dt><dd>${a.count}</dd></div>
        <div><dt>Confidence</dt><dd>${Math.round(a.confidence * 100)}%</dd></div>
      </dl>
      ${triage ? this.renderTriage(a) : html`<p class="help">Your role (viewer) can read alerts; triage needs the analyst role.</p>`}
      <section aria-labelledby="evidence-title">
        <h2 id="evidence-title">Evidence</h2>
        ${this.renderActivity(a)}
        <details><summary>Evidence fields</summary><pre>${JSON.stringify(a.evidence, null, 2)}</pre></details>
      </section>
      <section aria-labelledby="samples-title">
        <h2 id="samples-title">Sample events</h2>
        ${this.renderSamples()}
      </section>
      <section aria-labelledby="related-title">
        <h2 id="related-title">Related alerts (same principal)</h2>
        ${this.renderRelated()}
      </section>
    `;
  }

  private renderTriage(a: Alert) {
    return html`<section class="triage" aria-labelledby="triage-title">
      <h2 id="triage-title">Triage</h2>
      <div class="buttons" role="group" aria-label="Set status">
        ${STATUSES.filter((s) => s !== a.status).map((s) => html`<button type="button" ?disabled=${this.busy} @click=${() => void this.triage(s)}>${ACTION_LABEL[s]}</button>`)}
      </div>
      <label for="note">Note</label>
      <textarea id="note" rows="3" maxlength="4000" .value=${a.note ?? ''}></textarea>
      <button type="button" class="secondary" ?disabled=${this.busy} @click=${() => void this.triage(undefined)}>Save note</button>
      ${this.notice ? html`<p class="notice" data-testid="triage-notice" tabindex="-1" role="status">${this.notice}</p>` : nothing}
    </section>`;
  }

  private renderActivity(a: Alert) {
    const l = this.activity;
    if (l.state === 'loading') return html`<p>Loading activity…</p>`;
    if (l.state === 'error') return html`<p class="help">${l.message}</p>`;
    const act = l.value;
    const metric = act.metric;
    const label = metric === 'distinctObjects' ? 'distinct objects' : 'events';
    const base = new Map(act.baseline.map((b) => [b.t, b]));
    const config: ChartConfig = {
      label: `${a.principal}'s ${label} per ${act.bucketSeconds} s around the alert, against its baseline band; the alert window is shaded.`,
      xs: act.series.map((p) => toSeconds(p.t)),
      yLabel: `${label} / ${act.bucketSeconds} s`,
      series: [
        { label: `baseline high`, values: act.series.map((p) => base.get(p.t)?.high ?? null), color: '#0072B2', bandOnly: true },
        { label: `baseline low`, values: act.series.map((p) => base.get(p.t)?.low ?? null), color: '#0072B2', bandOnly: true },
        { label: 'baseline mean', values: act.series.map((p) => base.get(p.t)?.mean ?? null), color: '#0072B2', dash: true },
        { label, values: act.series.map((p) => p[metric]), color: '#D55E00' },
        { label: 'errors', values: act.series.map((p) => p.errors), color: '#555555', dash: true },
      ],
      band: { upper: 0, lower: 1, color: 'rgba(0, 114, 178, 0.18)' },
      window: { from: toSeconds(a.firstSeen), to: toSeconds(a.lastSeen), color: 'rgba(213, 94, 0, 0.12)' },
    };
    return html`<figure>
      <vigil-chart .config=${config}></vigil-chart>
      <figcaption>${config.label}</figcaption>
    </figure>`;
  }

  private renderSamples() {
    const l = this.detail;
    if (l.state === 'loading') return html`<p>Loading…</p>`;
    if (l.state === 'error') return html`<p class="help">${l.message}</p>`;
    if (l.value.length === 0) return html`<p>No sample events are retained for this alert.</p>`;
    return eventTable(l.value, 'Sample events (identifiers tokenized)');
  }

  private renderRelated() {
    const l = this.related;
    if (l.state === 'loading') return html`<p>Loading…</p>`;
    if (l.state === 'error') return html`<p class="help">${l.message}</p>`;
    if (l.value.length === 0) return html`<p>No other alerts for this principal.</p>`;
    return html`<ul class="related">${l.value.map(
      (r) => html`<li><span class=${`sev sev-${r.severity}`}>${r.severity}</span> <a href=${href.alert(r.id)}>${r.summary}</a> <span class="muted">${r.detector} · ${fmtTime(r.lastSeen)} · ${STATUS_LABEL[r.status] ?? r.status}</span></li>`,
    )}</ul>`;
  }
}

function failed(e: unknown): { state: 'error'; message: string; status?: number } {
  if (e instanceof ApiError) return { state: 'error', message: e.status === 404 ? 'Not available (404).' : e.message, status: e.status };
  return { state: 'error', message: e instanceof Error ? e.message : String(e) };
}

customElements.define('vigil-alert', VigilAlert);
