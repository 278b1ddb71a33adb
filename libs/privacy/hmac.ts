import { createHash, createHmac } from 'node:crypto';

/**
 * HMAC-SHA256 (RFC 2104 over FIPS 180-4 SHA-256) as 64 hex chars, the same value as
 * `createHmac('sha256', key).update(message, 'utf8').digest('hex')`.
 *
 * Why not createHmac for everything: tokens are HMACs of short texts (`Patient\0123456`), and
 * node:crypto's per-call setup (a new Hmac object, the key copied and re-padded) costs ~2.5 µs;
 * most events need one, and the message fits one SHA-256 block. Here the padded key's inner and
 * outer blocks are compressed once, so a short ASCII message costs two compressions (its own
 * block, then the outer block) in plain JavaScript: ~1.3 µs. Longer or non-ASCII messages (where
 * UTF-8 encoding matters and native code wins) go to createHmac; hmac.test.ts checks both paths
 * against createHmac.
 * NOTE: not constant-time. That is harmless here: it runs over logged traffic after the fact, and
 * its output is stored as a pseudonym, never compared against a secret while someone times it.
 */
export function createHmacSha256Hex(key: Buffer): (message: string) => string {
  // Copied so a caller changing its buffer cannot change results under us.
  const secretKey = Buffer.from(key);
  // RFC 2104: a key longer than the block is hashed first; then it is zero-padded to one block.
  const block = new Uint8Array(BLOCK_BYTES);
  block.set(secretKey.length > BLOCK_BYTES ? createHash('sha256').update(secretKey).digest() : secretKey);
  const w = new Int32Array(64);
  const inner = padState(block, 0x36, w);
  const outer = padState(block, 0x5c, w);
  const state = new Int32Array(8);
  // The padded message block, reused.
  const buf = new Uint8Array(BLOCK_BYTES);
  const view = new DataView(buf.buffer);
  const digest = Buffer.alloc(32);
  const digestView = new DataView(digest.buffer, digest.byteOffset, digest.length);

  return function hmacHex(message: string): string {
    const n = message.length;
    if (n > MAX_JS_BYTES) return nativeHex(secretKey, message);
    for (let i = 0; i < n; i++) {
      const c = message.charCodeAt(i);
      if (c > 0x7f) return nativeHex(secretKey, message);
      buf[i] = c;
    }
    // SHA-256 padding: 0x80, zeros, then the bit length (the key block included) as 64 bits.
    buf[n] = 0x80;
    buf.fill(0, n + 1, BLOCK_BYTES - 4);
    view.setUint32(BLOCK_BYTES - 4, (BLOCK_BYTES + n) * 8);
    for (let j = 0; j < 16; j++) w[j] = view.getInt32(j * 4);
    state.set(inner);
    compress(state, w);
    // Outer hash: the inner digest (32 bytes) in one block after the outer key block (96 bytes in all).
    for (let j = 0; j < 8; j++) w[j] = state[j] ?? 0;
    w[8] = 0x80000000 | 0;
    for (let j = 9; j < 15; j++) w[j] = 0;
    w[15] = (BLOCK_BYTES + 32) * 8;
    state.set(outer);
    compress(state, w);
    // Hex by Buffer: Number#toString(16) per word costs more than both compressions.
    for (let j = 0; j < 8; j++) digestView.setInt32(j * 4, state[j] ?? 0);
    return digest.toString('hex');
  };
}

const BLOCK_BYTES = 64;
/**
 * Messages that fit one block with SHA-256's padding (a type and an id do). A longer message costs
 * ~0.7 µs per extra block here, and native code wins from the second block on.
 */
const MAX_JS_BYTES = BLOCK_BYTES - 9;

function nativeHex(key: Buffer, message: string): string {
  return createHmac('sha256', key).update(message, 'utf8').digest('hex');
}

/** The SHA-256 state after compressing the key block XOR `pad` (0x36 inner, 0x5c outer). */
function padState(block: Uint8Array, pad: number, w: Int32Array): Int32Array {
  const state = Int32Array.from(IV);
  for (let j = 0; j < 16; j++) {
    const o = j * 4;
    w[j] = (((block[o] ?? 0) ^ pad) << 24) | (((block[o + 1] ?? 0) ^ pad) << 16) | (((block[o + 2] ?? 0) ^ pad) << 8) | ((block[o + 3] ?? 0) ^ pad);
  }
  compress(state, w);
  return state;
}

const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

// prettier-ignore
const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** One SHA-256 compression of the block in w[0..15] into `h` (FIPS 180-4, 6.2.2); w[16..63] is scratch. */
function compress(h: Int32Array, w: Int32Array): void {
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15] ?? 0;
    const y = w[i - 2] ?? 0;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = ((w[i - 16] ?? 0) + s0 + (w[i - 7] ?? 0) + s1) | 0;
  }
  let a = h[0] ?? 0;
  let b = h[1] ?? 0;
  let c = h[2] ?? 0;
  let d = h[3] ?? 0;
  let e = h[4] ?? 0;
  let f = h[5] ?? 0;
  let g = h[6] ?? 0;
  let k = h[7] ?? 0;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (k + s1 + ch + (K[i] ?? 0) + (w[i] ?? 0)) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    k = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + s0 + maj) | 0;
  }
  h[0] = ((h[0] ?? 0) + a) | 0;
  h[1] = ((h[1] ?? 0) + b) | 0;
  h[2] = ((h[2] ?? 0) + c) | 0;
  h[3] = ((h[3] ?? 0) + d) | 0;
  h[4] = ((h[4] ?? 0) + e) | 0;
  h[5] = ((h[5] ?? 0) + f) | 0;
  h[6] = ((h[6] ?? 0) + g) | 0;
  h[7] = ((h[7] ?? 0) + k) | 0;
}
