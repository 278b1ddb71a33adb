import type { Alert } from './types.js';

/**
 * The live alert stream (SSE, cookie-authenticated, same origin). EventSource reconnects by itself
 * and sends Last-Event-ID; versions already seen are dropped by the pages (they compare `version`).
 */
export function openLiveAlerts(deps: { url: string; onAlert: (a: Alert) => void }): () => void {
  const es = new EventSource(deps.url, { withCredentials: true });
  es.addEventListener('alert', (e: MessageEvent<string>) => {
    try {
      deps.onAlert(JSON.parse(e.data) as Alert);
    } catch {
      // A malformed frame is skipped; the next version of the alert carries its full state.
    }
  });
  return () => es.close();
}
