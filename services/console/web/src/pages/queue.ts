import { LitElement, html, nothing } from 'lit';
import { ApiError } from '../api.js';
import { canTriage, type ConsoleContext, type Load } from '../context.js';
import { filterFromParams, filterToParams, mergeLive, type QueueFilter } from '../filters.js';
import { OWASP_CATEGORIES, SEVERITIES, STATUSES, STATUS_LABEL, fmtTime, isoToLocalInput, localInputToIso } from '../format.js';
import { href } from '../router.js';
import type { Alert, AlertStatus } from '../types.js';
import { isTyping, queueKeyAction } from './queue-keys.js';

/** Detectors Vigil ships (detectors/); detectors seen in loaded alerts are added to the list. */
const KNOWN_DETECTORS = ['bfla', 'inventory/zombie-route', 'bola/enumeration', 'bola/async-request', 'bola/foreign-object', 'bola/patient-context', 'bola/subject-context', 'credential-stuffing', 'data-exfiltration', 'flow-abuse', 'rate', 'scope-violation', 'scraping', 'token-misuse'];
const PAGE_SIZE = '100';

/**
 * The alert queue: filters and sort live in the address (#/alerts?status=open&sort=severity), so a
 * filtered queue can be bookmarked; new alert versions arrive over SSE and are merged in place.
 * Keys: j/k or arrows move, Enter opens, x selects, a/r acknowledge/resolve the selection.
 */
export class VigilQueue extends LitElement {
  static override properties = {
    ctx: { attribute: false },
    query: { attribute: false },
    load: { state: true },
    alerts: { state: true },
    nextCursor: { state: true },
    selected: { state: true },
    active: { state: true },
    fresh: { state: true },
    notice: { state: true },
  };
  declare ctx: ConsoleContext;
  declare query: URLSearchParams;
  declare load: Load<true>;
  declare alerts: Alert[];
  declare nextCursor: string | undefined;
  declare selected: Set<string>;
  declare active: number;
  declare fresh: Set<string>;
  declare notice: string;
  private filter: QueueFilter = {};
  private readonly onLive = (e: Event) => this.liveAlert((e as CustomEvent<Alert>).detail);
  private readonly onKey = (e: KeyboardEvent) => this.key(e);

  constructor() {
    super();
    this.load = { state: 'loading' };
    this.alerts = [];
    this.nextCursor = undefined;
    this.selected = new Set();
    this.active = 0;
    this.fresh = new Set();
    this.notice = '';
  }

  protected override createRenderRoot() {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.filter = filterFromParams(this.query ?? new URLSearchParams());
    this.ctx.live.addEventListener('alert', this.onLive);
    document.addEventListener('keydown', this.onKey);
    void this.fetchPage(undefined);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.ctx.live.removeEventListener('alert', this.onLive);
    document.removeEventListener('keydown', this.onKey);
  }

  private async fetchPage(cursor: string | undefined) {
    try {
      const page = await this.ctx.api.listAlerts(filterToParams(this.filter, { limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) }));
      for (const a of page.alerts) this.ctx.alerts.set(a.id, a);
      this.alerts = cursor ? [...this.alerts, ...page.alerts] : page.alerts;
      this.nextCursor = page.nextCursor;
      this.load = { state: 'ok', value: true };
    } catch (e) {
      this.load = { state: 'error', message: e instanceof Error ? e.message : String(e), ...(e instanceof ApiError ? { status: e.status } : {}) };
    }
  }

  private liveAlert(a: Alert) {
    if (this.load.state !== 'ok') return;
    const r = mergeLive(this.alerts, a, this.filter);
    if (r.list === this.alerts) return;
    this.alerts = r.list;
    if (r.added) {
      this.fresh = new Set([...this.fresh, a.id]);
      this.ctx.announce(`New alert: ${a.summary}`);
    }
  }

  private applyFilters(e: SubmitEvent) {
    e.preventDefault();
    const data = new FormData(e.currentTarget as HTMLFormElement);
    const get = (k: string) => {
      const v = data.get(k);
      return typeof v === 'string' ? v.trim() : '';
    };
    const f: QueueFilter = {};
    for (const k of ['status', 'severity', 'detector', 'owasp', 'principal'] as const) if (get(k) !== '') f[k] = get(k);
    const since = localInputToIso(get('since'));
    const until = localInputToIso(get('until'));
    if (since) f.since = since;
    if (until) f.until = until;
    const sort = get('sort');
    if (sort === 'severity' || sort === 'count') f.sort = sort;
    if (get('order') === 'asc') f.order = 'asc';
    window.location.hash = href.queue(filterToParams(f));
  }

  private toggle(id: string) {
    const next = new Set(this.selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    this.selected = next;
  }

  private toggleAll(on: boolean) {
    this.selected = on ? new Set(this.alerts.map((a) => a.id)) : new Set();
  }

  private async bulk(status: AlertStatus) {
    if (!canTriage(this.ctx.session.role)) return;
    const current = this.alerts[this.active];
    const ids = this.selected.size > 0 ? [...this.selected] : current ? [current.id] : [];
    if (ids.length === 0) return;
    try {
      const r = await this.ctx.api.bulkAlerts(ids, status);
      let list = this.alerts;
      for (const a of r.updated) {
        this.ctx.alerts.set(a.id, a);
        list = mergeLive(list, a, this.filter).list;
      }
      this.alerts = list;
      this.selected = new Set();
      // Triaged rows may leave the list and the bulk buttons disable: keep focus on the current row.
      this.focusRow(Math.min(this.active, Math.max(list.length - 1, 0)));
      const label = STATUS_LABEL[status]?.toLowerCase() ?? status;
      this.notice = `${r.updated.length} alert${r.updated.length === 1 ? '' : 's'} marked ${label}${r.notFound.length ? `; ${r.notFound.length} not found` : ''}.`;
    } catch (e) {
      this.notice = `Could not update: ${e instanceof Error ? e.message : String(e)}`;
    }
    this.ctx.announce(this.notice);
  }

  private focusRow(i: number) {
    if (this.alerts.length === 0) return;
    this.active = Math.max(0, Math.min(i, this.alerts.length - 1));
    void this.updateComplete.then(() => this.querySelector<HTMLElement>(`tr[data-index="${this.active}"]`)?.focus());
  }

  private key(e: KeyboardEvent) {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    const inTable = e.target instanceof Element && e.target.closest('tr[data-index]') !== null;
    const action = queueKeyAction(e.key, { typing: isTyping(e.target), inTable });
    if (!action) return;
    e.preventDefault();
    const current = this.alerts[this.active];
    if (action === 'down') this.focusRow(this.active + 1);
    else if (action === 'up') this.focusRow(this.active - 1);
    else if (action === 'open' && current) window.location.hash = href.alert(current.id);
    else if (action === 'select' && current && canTriage(this.ctx.session.role)) this.toggle(current.id);
    else if (action === 'acknowledge') void this.bulk('acknowledged');
    else if (action === 'resolve') void this.bulk('resolved');
  }

  protected override render() {
    const f = this.filter;
    const triage = canTriage(this.ctx.session.role);
    const detectors = [...new Set([...KNOWN_DETECTORS, ...this.alerts.map((a) => a.detector), ...(f.detector ? [f.detector] : [])])].sort();
    const opt = (v: string, label: string, cur: string | undefined) => html`<option value=${v} ?selected=${cur === v}>${label}</option>`;
    return html`
      <h1>Alert queue</h1>
      <form class="filters" aria-label="Filter alerts" @submit=${(e: SubmitEvent) => this.applyFilters(e)}>
        <div class="field"><label for="f-status">Status</label>
          <select id="f-status" name="status">${opt('', 'Any', f.status)}${STATUSES.map((s) => opt(s, STATUS_LABEL[s] ?? s, f.status))}</select></div>
        <div class="field"><label for="f-severity">Severity</label>
          <select id="f-severity" name="severity">${opt('', 'Any', f.severity)}${SEVERITIES.map((s) => opt(s, s, f.severity))}</select></div>
        <div class="field"><label for="f-detector">Detector</label>
          <select id="f-detector" name="detector">${opt('', 'Any', f.detector)}${detectors.map((d) => opt(d, d, f.detector))}</select></div>
        <div class="field"><label for="f-owasp">OWASP category</label>
          <select id="f-owasp" name="owasp">${opt('', 'Any', f.owasp)}${OWASP_CATEGORIES.map((c) => opt(c, c, f.owasp))}</select></div>
        <div class="field"><label for="f-principal">Principal</label>
          <input id="f-principal" name="principal" type="text" .value=${f.principal ?? ''} placeholder="user:alice" autocomplete="off" /></div>
        <div class="field"><label for="f-since">Last seen from (UTC)</label>
          <input id="f-since" name="since" type="datetime-local" .value=${isoToLocalInput(f.since)} /></div>
        <div class="field"><label for="f-until">Last seen before (UTC)</label>
          <input id="f-until" name="until" type="datetime-local" .value=${isoToLocalInput(f.until)} /></div>
        <div class="field"><label for="f-sort">Sort by</label>
          <select id="f-sort" name="sort">${opt('', 'Last seen', f.sort)}${opt('severity', 'Severity', f.sort)}${opt('count', 'Count', f.sort)}</select></div>
        <div class="field"><label for="f-order">Order</label>
          <select id="f-order" name="order">${opt('', 'Descending', f.order)}${opt('asc', 'Ascending', f.order)}</select></div>
        <div class="field actions"><button type="submit">Apply filters</button> <a href=${href.queue()}>Clear</a></div>
      </form>
      ${triage
        ? html`<div class="bulk" role="group" aria-label="Bulk triage">
            <span>${this.selected.size} selected</span>
            <button type="button" ?disabled=${this.selected.size === 0} @click=${() => void this.bulk('acknowledged')}>Acknowledge selected</button>
            <button type="button" ?disabled=${this.selected.size === 0} @click=${() => void this.bulk('resolved')}>Resolve selected</button>
          </div>`
        : nothing}
      ${this.notice ? html`<p class="notice">${this.notice}</p>` : nothing}
      <p class="help">Keys: <kbd>j</kbd>/<kbd>k</kbd> or arrows move, <kbd>Enter</kbd> opens${triage ? html`, <kbd>x</kbd> selects, <kbd>a</kbd> acknowledges, <kbd>r</kbd> resolves` : nothing}. New alerts appear as they arrive.</p>
      ${this.renderTable(triage)}
    `;
  }

  private renderTable(triage: boolean) {
    if (this.load.state === 'loading') return html`<p>Loading alerts…</p>`;
    if (this.load.state === 'error') return html`<p class="error" role="alert">Could not load alerts: ${this.load.message}</p>`;
    if (this.alerts.length === 0) return html`<p data-testid="empty">No alerts match these filters.</p>`;
    const sortCol = this.filter.sort ?? 'lastSeen';
    const ariaSort = (col: string) => (col === sortCol ? (this.filter.order === 'asc' ? 'ascending' : 'descending') : 'none');
    return html`
      <table class="alerts" aria-label="Alerts" aria-describedby="queue-count">
        <caption id="queue-count">${this.alerts.length} alert${this.alerts.length === 1 ? '' : 's'} shown${this.nextCursor ? ' (more available)' : ''}</caption>
        <thead><tr>
          ${triage ? html`<th scope="col"><input type="checkbox" aria-label="Select all shown alerts" .checked=${this.selected.size > 0 && this.selected.size === this.alerts.length} @change=${(e: Event) => this.toggleAll((e.target as HTMLInputElement).checked)} /></th>` : nothing}
          <th scope="col" aria-sort=${ariaSort('severity')}>Severity</th>
          <th scope="col">Summary</th>
          <th scope="col">Detector</th>
          <th scope="col">OWASP</th>
          <th scope="col">Principal</th>
          <th scope="col" aria-sort=${ariaSort('lastSeen')}>Last seen</th>
          <th scope="col" aria-sort=${ariaSort('count')}>Count</th>
          <th scope="col">Status</th>
        </tr></thead>
        <tbody>
          ${this.alerts.map(
            (a, i) => html`<tr data-index=${i} data-id=${a.id} tabindex=${i === this.active ? 0 : -1} class=${`${i === this.active ? 'active' : ''} ${this.fresh.has(a.id) ? 'fresh' : ''}`} @focus=${() => (this.active = i)}>
              ${triage ? html`<td><input type="checkbox" aria-label=${`Select alert ${a.id}`} .checked=${this.selected.has(a.id)} @change=${() => this.toggle(a.id)} /></td>` : nothing}
              <td><span class=${`sev sev-${a.severity}`}>${a.severity}</span></td>
              <td><a href=${href.alert(a.id)} tabindex="-1">${a.summary}</a></td>
              <td>${a.detector}</td>
              <td>${a.owasp}</td>
              <td><a href=${href.principal(a.principal)} tabindex="-1">${a.principal}</a></td>
              <td><time datetime=${a.lastSeen}>${fmtTime(a.lastSeen)}</time></td>
              <td class="num">${a.count}</td>
              <td><span class=${`status status-${a.status}`}>${STATUS_LABEL[a.status] ?? a.status}</span></td>
            </tr>`,
          )}
        </tbody>
      </table>
      ${this.nextCursor ? html`<button type="button" class="secondary" @click=${() => void this.fetchPage(this.nextCursor)}>Load more</button>` : nothing}
    `;
  }
}

customElements.define('vigil-queue', VigilQueue);
