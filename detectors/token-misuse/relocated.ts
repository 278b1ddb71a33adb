import type { Finding, NormalizedEvent } from '../../libs/contracts/index.js';
import { hash32 } from '../../libs/baseline/index.js';
import { makeFinding } from '../credential-stuffing/finding.js';
import { MOVE_PRINCIPALS_CAP, MOVES_CAP, type CohortPops, type TokenState } from './state.js';

/**
 * A bearer token that leaves the place it was used from for another network *and* another client
 * at once. One token is one login on one device: a phone moving from wifi to a carrier keeps its
 * app (its user agent); a browser updating itself keeps its network; a VPN switched on keeps the
 * browser. The same token turning up on a network and in a client it was never used from is a copy
 * of it on another machine (lifted from a log, a proxy, a phishing page). Per token, on its first
 * use elsewhere: the principal's own history does not matter, another login of the same user is
 * another token.
 *
 * `origin` is the token's first (wide network, user agent) pair; the token is reported once.
 */
export interface Relocation {
  wide: number;
  ua: number;
  /** Reported already: one finding per token (its alert keeps counting what follows). */
  reported: boolean;
}

/**
 * Some architectures move every token on purpose: a backend-for-frontend or a relay passes the
 * user's token on to the API from its own servers. Their moves all go to one place (the servers'
 * network, their HTTP client), so a place that the tokens of more than this many principals of the
 * cohort moved to is infrastructure, and moves there are not reported.
 */
export const SHARED_MOVES = 2;

export function relocated(
  detector: { name: string; owasp: string },
  event: NormalizedEvent,
  token: TokenState,
  wide: number,
  ua: number,
  scope: 'token' | 'session' = 'token',
): Finding | undefined {
  const origin = token.origin;
  if (origin === undefined) {
    token.origin = { wide, ua, reported: false };
    return undefined;
  }
  if (origin.reported || wide === origin.wide || ua === origin.ua) return undefined;
  origin.reported = true;
  const who = event.principal.id;
  if (token.pops !== undefined && noteMove(token.pops, wide, ua, who) > SHARED_MOVES) return undefined;
  const p = event.principal;
  return makeFinding(detector.name, detector.owasp, event, {
    severity: 'high',
    summary:
      scope === 'token'
        ? `one token of ${who} was used from ${event.clientIp} by "${event.userAgent}", ` +
          `a network and a client it had not been used from: the token was copied to another machine`
        : `one login session of ${who} (the same sid on every token its refreshes brought) was used from ${event.clientIp} by "${event.userAgent}", ` +
          `a network and a kind of client it had not been used from: the session's refresh token was copied to another machine`,
    evidence: {
      pattern: 'token_relocated',
      confidence: 0.8,
      scope,
      credentialFingerprint: p.credentialFingerprint,
      ...(scope === 'session' ? { sessionFingerprint: p.sessionFingerprint } : {}),
      observed: { clientIp: event.clientIp, userAgent: event.userAgent },
    },
  });
}

/**
 * A user agent without its version numbers: a login session outlives the versions of its client
 * (an app update, a browser update, a new OS release), so a session's client is compared by kind
 * (`MyHealth/ (iPhone; iOS .)`), not by the exact string. A token's life is too short to see one.
 */
export function clientKind(userAgent: string): string {
  return userAgent.replace(/\d+/g, '');
}

/** Counts `who` among the principals whose tokens moved to (wide, ua) in this cohort; returns how many did. */
function noteMove(pops: CohortPops, wide: number, ua: number, principal: string): number {
  // NOTE: a hash, not the id: cohort rows hold no principal's name.
  const who = hash32(principal) | 0;
  const moves = (pops.moves ??= []);
  let m = moves.find((x) => x.wide === wide && x.ua === ua);
  if (m === undefined) {
    if (moves.length >= MOVES_CAP) moves.shift();
    m = { wide, ua, principals: [] };
    moves.push(m);
  }
  if (!m.principals.includes(who)) {
    if (m.principals.length >= MOVE_PRINCIPALS_CAP) return MOVE_PRINCIPALS_CAP + 1;
    m.principals.push(who);
  }
  return m.principals.length;
}
