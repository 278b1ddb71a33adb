import type { NormalizedEvent, Principal } from '../../libs/contracts/index.js';
import { event } from './events.js';

/** A principal as the resolver names it; `over` adds scopes, app, fingerprint. */
export function principalOf(id: string, over: Partial<Principal> = {}): Principal {
  const kind = id.startsWith('ip:') ? 'ip' : id.startsWith('key:') ? 'apikey' : id.startsWith('app:') ? 'app' : 'user';
  return { id, kind, scopes: [], authScheme: kind === 'ip' ? 'none' : 'bearer', ...over };
}

/** A login attempt on `route` (default POST /oauth2/token) from `ip`, answered `status`. */
export function login(ts: number, ip: string, status: number, over: Partial<NormalizedEvent> = {}): NormalizedEvent {
  return event({
    ts,
    method: 'POST',
    route: '/oauth2/token',
    pathTokenized: '/oauth2/token',
    service: 'idp',
    status,
    clientIp: ip,
    principal: principalOf(`ip:${ip}`),
    ...over,
  });
}
