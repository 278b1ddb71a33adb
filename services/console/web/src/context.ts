import type { Api } from './api.js';
import type { Alert, Role, Session } from './types.js';

/** What every page gets from the shell: the API, the session, live alerts and a way to announce. */
export interface ConsoleContext {
  api: Api;
  session: Session;
  /** Fires `alert` CustomEvents (detail: Alert) for every alert version the SSE stream delivers. */
  live: EventTarget;
  /** Alerts seen this session by id (queue pages, live updates): a viewer's alert page reads them here. */
  alerts: Map<string, Alert>;
  /** Says something to screen readers (a polite live region). */
  announce(message: string): void;
}

export const canTriage = (role: Role): boolean => role === 'analyst' || role === 'admin';
export const isAdmin = (role: Role): boolean => role === 'admin';

/** A lit page's data state: loading, loaded, or a message for the user. */
export type Load<T> = { state: 'loading' } | { state: 'ok'; value: T } | { state: 'error'; message: string; status?: number };
