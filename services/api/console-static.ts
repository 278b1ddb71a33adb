import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import express, { type RequestHandler, type Router } from 'express';
import { createSecurityHeaders } from './security-headers.js';

/** Where `npm run build` (vite) writes the console; found from this file whether it runs as TS or compiled JS. */
export function defaultConsoleDir(from: string = import.meta.dirname): string {
  let dir = resolve(from);
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) return resolve(from, 'console');
    dir = up;
  }
  return join(dir, 'dist', 'console');
}

/**
 * The console's Content-Security-Policy: only this origin's scripts, styles, images and fonts, no
 * inline code, no framing. `connect-src` adds the SSO provider's origins (the browser talks to the
 * IdP when it signs in with a token). Built in one place beside the API's own policy.
 */
export function consoleCsp(extraConnect: readonly string[] = []): Record<string, readonly string[]> {
  return {
    'default-src': ["'none'"],
    'script-src': ["'self'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'"],
    'connect-src': ["'self'", ...new Set(extraConnect)],
    'base-uri': ["'none'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  };
}

/** Origins (scheme://host:port) of URLs, for connect-src; unparsable ones are skipped. */
export function originsOf(urls: readonly (string | undefined)[]): string[] {
  const out: string[] = [];
  for (const u of urls) {
    if (u === undefined) continue;
    try {
      out.push(new URL(u).origin);
    } catch {
      // not a URL: nothing to allow
    }
  }
  return [...new Set(out)];
}

const NOT_BUILT = (dir: string): string =>
  `<!doctype html><meta charset="utf-8"><title>Vigil console not built</title>` +
  `<h1>The Vigil console is not built</h1><p>No <code>index.html</code> in <code>${dir.replace(/[<>&]/g, '')}</code>. ` +
  `Run <code>npm run build</code> (it bundles the console into dist/console/) and reload. The API itself works.</p>`;

/**
 * Serves the built single-page console under /console/ (no authentication: the files hold no data;
 * every datum comes from /v1 with the session cookie) and redirects / to it. Any /console/ path that
 * is not a file answers index.html, so client-side routes survive a reload; a missing file under
 * /console/assets/ is a plain 404, so a stale page never gets HTML for a script. Without a build
 * (tests that did not run vite), /console/ answers 503 with a message instead of failing.
 */
export function createConsoleStatic(opts: {
  dir: string;
  tls: boolean;
  connectSrc?: readonly string[];
  /** Origins learnt later (the SSO token endpoint, from the IdP's discovery document), asked per request. */
  moreConnectSrc?: () => readonly string[];
}): Router {
  // strict: /console and /console/ are different routes (the first redirects to the second).
  const router = express.Router({ strict: true });
  const index = join(opts.dir, 'index.html');
  const fixed = opts.connectSrc ?? [];
  // One helmet middleware per distinct connect-src list (in practice: before and after discovery).
  const byOrigins = new Map<string, RequestHandler>();
  const headersFor = (extra: readonly string[]): RequestHandler => {
    const key = extra.join(' ');
    let h = byOrigins.get(key);
    if (h === undefined) {
      h = createSecurityHeaders({ tls: opts.tls, csp: consoleCsp([...fixed, ...extra]) });
      byOrigins.set(key, h);
    }
    return h;
  };
  // Asked once now so discovery starts at boot: the page a browser gets back from the IdP then
  // already allows the token endpoint, also right after a restart.
  opts.moreConnectSrc?.();
  const headers: RequestHandler = (req, res, next) => headersFor(opts.moreConnectSrc?.() ?? [])(req, res, next);
  const built = (): boolean => existsSync(index) && statSync(index).isFile();

  router.get('/', (_req, res) => res.redirect(302, '/console/'));
  router.get('/console', (_req, res) => res.redirect(301, '/console/'));
  const onlyReads: RequestHandler = (req, _res, next) => (req.method === 'GET' || req.method === 'HEAD' ? next() : next('router'));
  router.use('/console', onlyReads, headers, (_req, res, next) => {
    if (!built()) {
      res.status(503).set('Cache-Control', 'no-store').type('html').send(NOT_BUILT(opts.dir));
      return;
    }
    next();
  });
  router.use(
    '/console',
    express.static(opts.dir, {
      index: 'index.html',
      redirect: false,
      // Vite names assets by content hash: they never change. index.html must always be re-read.
      setHeaders: (res, path) => res.set('Cache-Control', path.includes(`${join(opts.dir, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache'),
    }),
  );
  router.use('/console/assets', (_req, res) => {
    res.status(404).set('Cache-Control', 'no-store').type('text').send('no such console asset');
  });
  router.use('/console', (_req, res) => {
    res.set('Cache-Control', 'no-cache').sendFile(index);
  });
  return router;
}
