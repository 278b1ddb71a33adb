import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';

/**
 * A local OpenID provider for tests: discovery document and JWKS served on 127.0.0.1 by node:http,
 * with an RS256 and an ES256 key generated per run. Counts requests so tests can see caching.
 */
export interface TestIdp {
  issuer: string;
  hits: { discovery: number; jwks: number; authorize: number; token: number };
  /**
   * Claims of the id_token the token endpoint issues after the auto-approving login (sub alice,
   * aud = client id, iss, iat, exp + 5 min are added); tests set them before a browser signs in.
   */
  loginClaims: JWTPayload;
  /** Why the token endpoint last refused a request (empty: none refused). */
  lastTokenError: string;
  /** A signed token; defaults: sub alice, aud vigil, iat now, exp now + 5 min, RS256 key "rs1". */
  sign(claims: JWTPayload, opts?: { alg?: 'RS256' | 'ES256'; kid?: string; key?: CryptoKey; header?: Record<string, unknown> }): Promise<string>;
  /** A key pair that is not in the JWKS (for wrong-signature tokens). */
  strangerKey: CryptoKey;
  close(): Promise<void>;
}

export async function startTestIdp(): Promise<TestIdp> {
  const rs = await generateKeyPair('RS256');
  const es = await generateKeyPair('ES256');
  const stranger = await generateKeyPair('RS256');
  const jwks = {
    keys: [
      { ...(await exportJWK(rs.publicKey)), kid: 'rs1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(es.publicKey)), kid: 'es1', alg: 'ES256', use: 'sig' },
    ],
  };
  const hits = { discovery: 0, jwks: 0, authorize: 0, token: 0 };
  let issuer = '';
  // Issued authorization codes, one use each, with what the token request must repeat.
  const codes = new Map<string, { clientId: string; redirectUri: string; challenge: string }>();
  const idp = { loginClaims: {} as JWTPayload, lastTokenError: '' };
  const sign = (claims: JWTPayload, alg: 'RS256' | 'ES256' = 'RS256', kid?: string, key?: CryptoKey, header?: Record<string, unknown>): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ sub: 'alice', aud: 'vigil', iss: issuer, iat: now, exp: now + 300, ...claims })
      .setProtectedHeader({ alg, kid: kid ?? (alg === 'ES256' ? 'es1' : 'rs1'), ...header })
      .sign(key ?? (alg === 'ES256' ? es.privateKey : rs.privateKey));
  };

  /** Auto-approving login (RFC 6749 4.1.1 + RFC 7636): redirects back with a code bound to the S256 challenge. */
  function authorize(url: URL, res: ServerResponse): void {
    hits.authorize += 1;
    const p = url.searchParams;
    const redirectUri = p.get('redirect_uri') ?? '';
    const challenge = p.get('code_challenge') ?? '';
    if (p.get('response_type') !== 'code' || !p.get('client_id') || !URL.canParse(redirectUri) || p.get('code_challenge_method') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(challenge)) {
      res.statusCode = 400;
      res.end('invalid authorization request');
      return;
    }
    const code = randomBytes(16).toString('base64url');
    codes.set(code, { clientId: p.get('client_id') ?? '', redirectUri, challenge });
    const back = new URL(redirectUri);
    back.searchParams.set('code', code);
    back.searchParams.set('state', p.get('state') ?? '');
    res.statusCode = 302;
    res.setHeader('location', back.href);
    res.end();
  }

  /** Token endpoint (RFC 6749 4.1.3): checks code, client, redirect URI and verifier; answers with a signed id_token. */
  async function token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    hits.token += 1;
    // CORS for the console: the browser posts here from Vigil's origin.
    if (req.headers.origin) res.setHeader('access-control-allow-origin', req.headers.origin);
    res.setHeader('content-type', 'application/json');
    let body = '';
    for await (const chunk of req) body += (chunk as Buffer).toString();
    const p = new URLSearchParams(body);
    const code = codes.get(p.get('code') ?? '');
    codes.delete(p.get('code') ?? '');
    const verifier = p.get('code_verifier') ?? '';
    const refuse = (why: string) => {
      idp.lastTokenError = why;
      res.statusCode = 400;
      res.end(JSON.stringify({ error: 'invalid_grant', error_description: why }));
    };
    if (p.get('grant_type') !== 'authorization_code') return refuse('grant_type must be authorization_code');
    if (!code) return refuse('unknown or used code');
    if (p.get('client_id') !== code.clientId) return refuse('client_id differs');
    if (p.get('redirect_uri') !== code.redirectUri) return refuse('redirect_uri differs');
    if (createHash('sha256').update(verifier).digest('base64url') !== code.challenge) return refuse('code_verifier does not match the challenge');
    const idToken = await sign({ ...idp.loginClaims, aud: code.clientId });
    res.end(JSON.stringify({ token_type: 'Bearer', expires_in: 300, id_token: idToken, access_token: await sign({ ...idp.loginClaims }) }));
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://idp');
    if (url.pathname === '/realms/soc/protocol/openid-connect/auth' && req.method === 'GET') {
      authorize(url, res);
    } else if (url.pathname === '/realms/soc/protocol/openid-connect/token' && req.method === 'POST') {
      token(req, res).catch(() => {
        res.statusCode = 500;
        res.end();
      });
    } else if (req.url === '/realms/soc/.well-known/openid-configuration') {
      hits.discovery += 1;
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          issuer,
          jwks_uri: `${issuer}/protocol/openid-connect/certs`,
          authorization_endpoint: `${issuer}/protocol/openid-connect/auth`,
          token_endpoint: `${issuer}/protocol/openid-connect/token`,
          code_challenge_methods_supported: ['S256'],
        }),
      );
    } else if (req.url === '/realms/soc/protocol/openid-connect/certs') {
      hits.jwks += 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(jwks));
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/realms/soc`;

  return {
    issuer,
    hits,
    get loginClaims() {
      return idp.loginClaims;
    },
    set loginClaims(c: JWTPayload) {
      idp.loginClaims = c;
    },
    get lastTokenError() {
      return idp.lastTokenError;
    },
    set lastTokenError(e: string) {
      idp.lastTokenError = e;
    },
    strangerKey: stranger.privateKey,
    sign: (claims, opts = {}) => sign(claims, opts.alg, opts.kid, opts.key, opts.header),
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** An unsigned token (`alg: none`), which must never be accepted. */
export function unsignedToken(payload: JWTPayload): string {
  const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
}
