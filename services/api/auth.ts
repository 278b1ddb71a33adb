import type { Request } from 'express';
import { ROLE_RANK, type Role } from '../../libs/contracts/index.js';
import type { Authenticated, KeyService } from '../../libs/auth/index.js';
import type { Logger } from '../../libs/log/index.js';
import { VigilError } from '../../libs/errors/index.js';

/** `Bearer <token>`; the scheme is case-insensitive (RFC 9110 section 11.1). */
const BEARER = /^Bearer +([A-Za-z0-9._~+/=-]+) *$/i;

export interface RequestAuth {
  /** Resolves the caller or throws `unauthorized`; never reads the body. `route` is for the log line. */
  authenticate(req: Request, route: string): Promise<Authenticated>;
  /** Throws `forbidden` when `auth.role` ranks below `min`. */
  authorize(auth: Authenticated, min: Role): void;
}

export function createRequestAuth(deps: { keys: KeyService; logger: Logger }): RequestAuth {
  return {
    async authenticate(req, route) {
      const header = req.get('authorization');
      const match = header === undefined ? null : BEARER.exec(header);
      const token = match?.[1];
      if (token === undefined) {
        throw new VigilError('unauthorized', 'no bearer token', {
          publicMessage: 'missing or malformed Authorization header; send "Authorization: Bearer <api key>"',
        });
      }
      const auth = await deps.keys.authenticate(token);
      if (!auth) {
        // A security tool's own failed logins are worth a line: never the key, and the route
        // template rather than the path, which can hold principal ids.
        deps.logger.warn({ ip: req.ip, method: req.method, route }, 'api_auth_failed');
        throw new VigilError('unauthorized', 'unknown or revoked API key', { publicMessage: 'invalid or revoked API key' });
      }
      return auth;
    },

    authorize(auth, min) {
      if (ROLE_RANK[auth.role] < ROLE_RANK[min]) {
        throw new VigilError('forbidden', `role ${auth.role} below ${min}`, {
          publicMessage: `this route needs the ${min} role or higher; this key is ${auth.role}`,
        });
      }
    },
  };
}
