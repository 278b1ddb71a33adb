import { hash32 } from './hash.js';

/**
 * Count-min sketch: approximate counts of many keys in fixed memory (width x depth x 4 bytes).
 * Never under-counts; over-counts by at most e/width of the total with probability 1 - e^-depth.
 * Meant for per-cohort or global tallies (route x principal, transitions), not per principal:
 * even a small one (256 x 4) is 4 KiB.
 */
export interface CountMin {
  readonly width: number;
  readonly depth: number;
  readonly cells: Uint32Array;
  total: number;
}

export function newCountMin(width = 256, depth = 4): CountMin {
  if (width < 1 || depth < 1) throw new RangeError('count-min width and depth must be positive');
  return { width, depth, cells: new Uint32Array(width * depth), total: 0 };
}

// Kirsch-Mitzenmacher: row i uses h1 + i*h2, two hashes for any depth.
function slot(c: CountMin, h1: number, h2: number, row: number): number {
  return row * c.width + (((h1 + Math.imul(row, h2)) >>> 0) % c.width);
}

export function cmAdd(c: CountMin, key: string, n = 1): void {
  const h1 = hash32(key, 0x9747b28c);
  const h2 = hash32(key, 0x2f6b4e1d) | 1;
  for (let row = 0; row < c.depth; row++) {
    const i = slot(c, h1, h2, row);
    c.cells[i] = Math.min(0xffffffff, (c.cells[i] as number) + n);
  }
  c.total += n;
}

export function cmEstimate(c: CountMin, key: string): number {
  const h1 = hash32(key, 0x9747b28c);
  const h2 = hash32(key, 0x2f6b4e1d) | 1;
  let min = Infinity;
  for (let row = 0; row < c.depth; row++) min = Math.min(min, c.cells[slot(c, h1, h2, row)] as number);
  return min;
}

export function encodeCountMin(c: CountMin): { width: number; depth: number; total: number; cells: string } {
  return { width: c.width, depth: c.depth, total: c.total, cells: Buffer.from(c.cells.buffer, c.cells.byteOffset, c.cells.byteLength).toString('base64') };
}

export function decodeCountMin(v: { width: number; depth: number; total: number; cells: string }): CountMin | undefined {
  const bytes = Buffer.from(v.cells, 'base64');
  if (!Number.isInteger(v.width) || !Number.isInteger(v.depth) || bytes.length !== v.width * v.depth * 4) return undefined;
  const cells = new Uint32Array(v.width * v.depth);
  new Uint8Array(cells.buffer).set(bytes);
  return { width: v.width, depth: v.depth, cells, total: v.total };
}
