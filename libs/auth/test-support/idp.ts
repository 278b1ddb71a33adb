import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';

/**
 * A local OpenID provider for tests: discovery document and JWKS served on 127.0.0.1 by node:http,
 * with an RS256 and an ES256 key generated per run. Counts requests so tests can see caching.
 */
export interface TestIdp {
  issuer: string;
  hits: { discovery: number; jwks: number };
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
  const hits = { discovery: 0, jwks: 0 };
  let issuer = '';
  const server: Server = createServer((req, res) => {
    if (req.url === '/realms/soc/.well-known/openid-configuration') {
      hits.discovery += 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/protocol/openid-connect/certs` }));
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
    strangerKey: stranger.privateKey,
    async sign(claims, opts = {}) {
      const alg = opts.alg ?? 'RS256';
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ sub: 'alice', aud: 'vigil', iss: issuer, iat: now, exp: now + 300, ...claims })
        .setProtectedHeader({ alg, kid: opts.kid ?? (alg === 'ES256' ? 'es1' : 'rs1'), ...opts.header })
        .sign(opts.key ?? (alg === 'ES256' ? es.privateKey : rs.privateKey));
    },
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
