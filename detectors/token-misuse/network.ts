import { isIPv4, isIPv6 } from 'node:net';

/**
 * The networks an address belongs to: `net` is the unit a client moves between (/24 IPv4, /64
 * IPv6: one home, one office, one carrier NAT pool), `wide` a coarser block (/16, /48) so that two
 * addresses in different wide blocks are "far apart" without a geo database.
 * Unparseable addresses (gateways sometimes log "unknown" or a host name) are their own network.
 */
export interface Networks {
  net: string;
  wide: string;
}

export function networksOf(ip: string): Networks {
  const mapped = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (isIPv4(mapped)) {
    const [a, b, c] = mapped.split('.');
    return { net: `${a}.${b}.${c}.0/24`, wide: `${a}.${b}.0.0/16` };
  }
  if (isIPv6(ip)) {
    const h = expandV6(ip);
    return { net: `${h.slice(0, 4).join(':')}::/64`, wide: `${h.slice(0, 3).join(':')}::/48` };
  }
  return { net: ip, wide: ip };
}

/** Eight hextets, lowercased, without leading zeros; a zone id (fe80::1%eth0) is dropped. */
function expandV6(ip: string): string[] {
  const bare = ip.split('%')[0] ?? ip;
  const [left = '', right] = bare.split('::');
  const head = left === '' ? [] : left.split(':');
  const tail = right === undefined || right === '' ? [] : right.split(':');
  const fill = right === undefined ? [] : new Array<string>(8 - head.length - tail.length).fill('0');
  return [...head, ...fill, ...tail].map((x) => (x.includes('.') ? x : (parseInt(x, 16) || 0).toString(16)));
}
