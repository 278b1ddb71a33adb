import type { SsoSettings } from './pages/sign-in-sso.js';
import type { Activity, Alert, AlertDetail, AlertPage, AlertStatus, BulkResult, InventoryPage, Overview, PrincipalSummary, Session } from './types.js';

/** An API answer other than 2xx, with the API's stable error code (`{"error":{"code","message"}}`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface Api {
  getSession(): Promise<Session | null>;
  signIn(apiKey: string): Promise<Session>;
  /** Signs in with the IdP's token from the SSO flow (pages/sign-in-sso.ts). */
  signInWithToken(token: string): Promise<Session>;
  /** GET /v1/session/sso: whether "Sign in with SSO" is offered, and its endpoints. */
  ssoSettings(): Promise<SsoSettings | { enabled: false }>;
  signOut(): Promise<void>;
  listAlerts(query: URLSearchParams): Promise<AlertPage>;
  getAlert(id: string): Promise<AlertDetail>;
  patchAlert(id: string, patch: { status?: AlertStatus; note?: string }): Promise<Alert>;
  bulkAlerts(ids: string[], status: AlertStatus): Promise<BulkResult>;
  activity(id: string): Promise<Activity>;
  principal(principal: string): Promise<PrincipalSummary>;
  inventory(query: URLSearchParams): Promise<InventoryPage>;
  overview(query: URLSearchParams): Promise<Overview>;
}

/**
 * The console's only door to the API. Authentication is the HttpOnly session cookie (the key is
 * never kept in the page); every state-changing request carries the session's CSRF token.
 */
export function createApi(deps: { fetch: typeof fetch; base: string; onSessionEnded?: () => void }): Api {
  let csrfToken = '';

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET' && csrfToken !== '') headers['x-csrf-token'] = csrfToken;
    const res = await deps.fetch(`${deps.base}${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    const json: unknown = text === '' ? undefined : JSON.parse(text);
    if (!res.ok) {
      const err = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      // A 401 on a data route while signed in: the session expired, idled out or was revoked.
      if (res.status === 401 && csrfToken !== '' && path !== '/v1/session') {
        csrfToken = '';
        deps.onSessionEnded?.();
      }
      throw new ApiError(res.status, err?.code ?? 'http_error', err?.message ?? `HTTP ${res.status}`);
    }
    return json as T;
  }

  const remember = (s: Session): Session => {
    csrfToken = s.csrfToken;
    return s;
  };
  const qs = (q: URLSearchParams) => (q.size === 0 ? '' : `?${q.toString()}`);
  const enc = encodeURIComponent;

  return {
    async getSession() {
      try {
        return remember(await call<Session>('GET', '/v1/session'));
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return null;
        throw e;
      }
    },
    async signIn(apiKey) {
      return remember(await call<Session>('POST', '/v1/session', { apiKey }));
    },
    async signInWithToken(token) {
      return remember(await call<Session>('POST', '/v1/session', { token }));
    },
    ssoSettings: () => call('GET', '/v1/session/sso'),
    async signOut() {
      await call<undefined>('DELETE', '/v1/session');
      csrfToken = '';
    },
    listAlerts: (q) => call('GET', `/v1/alerts${qs(q)}`),
    getAlert: (id) => call('GET', `/v1/alerts/${enc(id)}`),
    patchAlert: (id, patch) => call('PATCH', `/v1/alerts/${enc(id)}`, patch),
    bulkAlerts: (ids, status) => call('POST', '/v1/alerts/bulk', { ids, status }),
    activity: (id) => call('GET', `/v1/alerts/${enc(id)}/activity`),
    principal: (p) => call('GET', `/v1/principals/${enc(p)}`),
    inventory: (q) => call('GET', `/v1/inventory${qs(q)}`),
    overview: (q) => call('GET', `/v1/overview${qs(q)}`),
  };
}
