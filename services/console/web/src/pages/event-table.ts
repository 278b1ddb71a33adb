import { html } from 'lit';
import { fmtTime } from '../format.js';
import type { StoredEvent } from '../types.js';

/** Tokenized events as the API gives them (object ids are HMAC tokens, never raw ids). */
export function eventTable(events: StoredEvent[], caption: string) {
  return html`<div class="scroll"><table class="events">
    <caption>${caption}</caption>
    <thead><tr><th scope="col">Time</th><th scope="col">Method</th><th scope="col">Path</th><th scope="col">Status</th><th scope="col">Client IP</th><th scope="col">App</th><th scope="col">Objects</th></tr></thead>
    <tbody>${events.map(
      (e) => html`<tr><td>${fmtTime(e.time)}</td><td>${e.method}</td><td><code>${e.pathTokenized}</code></td><td class="num">${e.status}</td><td>${e.clientIp}</td><td>${e.app}</td>
        <td>${e.objects.map((o) => `${o.type}/${o.id}`).join(', ') || '—'}</td></tr>`,
    )}</tbody>
  </table></div>`;
}
