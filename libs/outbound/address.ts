// Which IP addresses an outbound request may reach without `allowPrivateNetwork`: public unicast
// only. Pure functions, so the API can refuse a destination at creation time and the connect-time
// DNS lookup applies exactly the same rule.
import { isIPv4, isIPv6 } from 'node:net';

/** [first address as a 32-bit number, prefix length, why it is refused]. */
const V4_BLOCKS: ReadonlyArray<readonly [string, number, string]> = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

function v4ToNumber(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

const V4 = V4_BLOCKS.map(([base, bits, kind]) => ({ base: v4ToNumber(base), size: 2 ** (32 - bits), kind }));

function classifyV4(n: number): string | undefined {
  return V4.find((b) => n >= b.base && n < b.base + b.size)?.kind;
}

/** Eight 16-bit groups, or undefined when `ip` is not IPv6 text. Accepts `::`, a dotted IPv4 tail and a zone id. */
function parseV6(ip: string): number[] | undefined {
  const text = ip.replace(/%.*$/, '');
  if (!isIPv6(text)) return undefined;
  let head = text;
  const tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const n = v4ToNumber(dotted[1]);
    tail.push(Math.floor(n / 65536), n % 65536);
    head = text.slice(0, -dotted[1].length);
    // "::1.2.3.4" leaves "::", "::ffff:1.2.3.4" leaves "::ffff:"; a lone trailing ":" is the separator.
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const [left = '', right] = head.split('::');
  const groups = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const l = groups(left);
  const r = right === undefined ? [] : groups(right);
  const missing = 8 - l.length - r.length - tail.length;
  return [...l, ...Array<number>(right === undefined ? 0 : missing).fill(0), ...r, ...tail];
}

function classifyV6(g: number[]): string | undefined {
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, h = 0, i = 0] = g;
  const embedded = h * 65536 + i;
  const zeroTo = (n: number): boolean => g.slice(0, n).every((x) => x === 0);
  if (zeroTo(8)) return 'unspecified';
  if (zeroTo(7) && i === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d) and the deprecated IPv4-compatible (::a.b.c.d) forms reach the IPv4 host.
  if (zeroTo(5) && f === 0xffff) return classifyV4(embedded);
  if (zeroTo(6)) return classifyV4(embedded);
  // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address a gateway will reach.
  if (a === 0x64 && b === 0xff9b && c === 0 && d === 0 && e === 0 && f === 0) return classifyV4(embedded);
  if (a === 0x2002) return classifyV4(b * 65536 + c);
  if ((a & 0xfe00) === 0xfc00) return 'unique local';
  if ((a & 0xffc0) === 0xfe80) return 'link-local';
  if ((a & 0xffc0) === 0xfec0) return 'site-local';
  if ((a & 0xff00) === 0xff00) return 'multicast';
  return undefined;
}

/**
 * Why `ip` is not a public unicast address ("loopback", "private", "link-local", ...), or undefined
 * when it is. Text that is not an IP address is "not an IP address" (fail closed).
 */
export function addressKind(ip: string): string | undefined {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  if (isIPv4(bare)) return classifyV4(v4ToNumber(bare));
  const groups = parseV6(bare);
  return groups === undefined ? 'not an IP address' : classifyV6(groups);
}

/** True for loopback, private, CGNAT, ULA, link-local, unspecified, multicast, reserved (and their IPv4-mapped forms). */
export function isPrivateAddress(ip: string): boolean {
  return addressKind(ip) !== undefined;
}
