import { describe, expect, it } from 'vitest';
import { networksOf } from './network.js';

describe('networksOf', () => {
  it('groups IPv4 by /24 and /16', () => {
    expect(networksOf('203.0.113.77')).toEqual({ net: '203.0.113.0/24', wide: '203.0.0.0/16' });
    expect(networksOf('::ffff:203.0.113.77')).toEqual({ net: '203.0.113.0/24', wide: '203.0.0.0/16' });
  });

  it('groups IPv6 by /64 and /48 whatever the notation', () => {
    expect(networksOf('2001:db8:85a3:0042:1000:8a2e:0370:7334')).toEqual({ net: '2001:db8:85a3:42::/64', wide: '2001:db8:85a3::/48' });
    expect(networksOf('2001:DB8::1')).toEqual({ net: '2001:db8:0:0::/64', wide: '2001:db8:0::/48' });
    expect(networksOf('fe80::1%eth0').net).toBe('fe80:0:0:0::/64');
  });

  it('keeps an unparseable address as its own network', () => {
    expect(networksOf('unknown')).toEqual({ net: 'unknown', wide: 'unknown' });
  });
});
