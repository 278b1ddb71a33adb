import { describe, expect, it } from 'vitest';
import { href, parseRoute } from './router.js';

describe('hash routes', () => {
  it('reads every page and round-trips encoded ids and principals', () => {
    expect(parseRoute('')).toMatchObject({ page: 'queue' });
    expect(parseRoute(href.alert('alr_1'))).toEqual({ page: 'alert', id: 'alr_1' });
    expect(parseRoute(href.principal('ip:10.0.0.1/x'))).toEqual({ page: 'principal', principal: 'ip:10.0.0.1/x' });
    expect(parseRoute('#/inventory?shadow=true')).toMatchObject({ page: 'inventory' });
    expect(parseRoute('#/overview')).toMatchObject({ page: 'overview' });
    expect(parseRoute('#/nope/1/2')).toEqual({ page: 'notFound', path: 'nope/1/2' });
  });

  it('keeps the queue filter in the address and ignores in-page anchors', () => {
    const r = parseRoute(href.queue(new URLSearchParams({ status: 'open', principal: 'user:a' })));
    expect(r?.page === 'queue' ? r.query.toString() : '').toBe('status=open&principal=user%3Aa');
    expect(parseRoute('#main')).toBeNull();
  });
});
