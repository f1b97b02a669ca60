/**
 * HMAC-SHA256 in plain JavaScript, synchronous and self-contained (the
 * runner's channel embeds its source), verified against WebCrypto.
 *
 * @module
 */

/**
 * Returns a synchronous HMAC-SHA256 function for a 32-byte key, in plain
 * JavaScript. Self-contained: the runner's channel embeds its source, where
 * WebCrypto's thread-pool round trip would cost more than hashing a frame.
 */
export function hmacSha256(key: Uint8Array): (message: Uint8Array) => Uint8Array {
  // Int32 arrays and `| 0` after every addition keep V8 on small-integer
  // arithmetic (Uint32 values above 2^31 would turn into doubles).
  const K = new Int32Array([
    0x428a2f98,
    0x71374491,
    0xb5c0fbcf,
    0xe9b5dba5,
    0x3956c25b,
    0x59f111f1,
    0x923f82a4,
    0xab1c5ed5,
    0xd807aa98,
    0x12835b01,
    0x243185be,
    0x550c7dc3,
    0x72be5d74,
    0x80deb1fe,
    0x9bdc06a7,
    0xc19bf174,
    0xe49b69c1,
    0xefbe4786,
    0x0fc19dc6,
    0x240ca1cc,
    0x2de92c6f,
    0x4a7484aa,
    0x5cb0a9dc,
    0x76f988da,
    0x983e5152,
    0xa831c66d,
    0xb00327c8,
    0xbf597fc7,
    0xc6e00bf3,
    0xd5a79147,
    0x06ca6351,
    0x14292967,
    0x27b70a85,
    0x2e1b2138,
    0x4d2c6dfc,
    0x53380d13,
    0x650a7354,
    0x766a0abb,
    0x81c2c92e,
    0x92722c85,
    0xa2bfe8a1,
    0xa81a664b,
    0xc24b8b70,
    0xc76c51a3,
    0xd192e819,
    0xd6990624,
    0xf40e3585,
    0x106aa070,
    0x19a4c116,
    0x1e376c08,
    0x2748774c,
    0x34b0bcb5,
    0x391c0cb3,
    0x4ed8aa4a,
    0x5b9cca4f,
    0x682e6ff3,
    0x748f82ee,
    0x78a5636f,
    0x84c87814,
    0x8cc70208,
    0x90befffa,
    0xa4506ceb,
    0xbef9a3f7,
    0xc67178f2,
  ]);
  const W = new Int32Array(64);
  // The running state. One per HMAC function: calls never overlap (synchronous).
  const H = new Int32Array(8);
  const compress = (b: Uint8Array, off: number) => {
    for (let i = 0; i < 16; i++, off += 4) {
      W[i] = (b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3];
    }
    for (let i = 16; i < 64; i++) {
      const w15 = W[i - 15];
      const w2 = W[i - 2];
      const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
      const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
      W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
    }
    let a = H[0], b1 = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b1) ^ (a & c) ^ (b1 & c))) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b1;
      b1 = a;
      a = (t1 + t2) | 0;
    }
    H[0] = (H[0] + a) | 0;
    H[1] = (H[1] + b1) | 0;
    H[2] = (H[2] + c) | 0;
    H[3] = (H[3] + d) | 0;
    H[4] = (H[4] + e) | 0;
    H[5] = (H[5] + f) | 0;
    H[6] = (H[6] + g) | 0;
    H[7] = (H[7] + h) | 0;
  };
  // Reused buffers: the padded last block(s) and the inner digest.
  const tail = new Uint8Array(128);
  const mid = new Uint8Array(32);
  // Hashes `msg` continuing from `state`, which already absorbed one 64-byte
  // block, into `out`.
  const finish = (state: Int32Array, msg: Uint8Array, out: Uint8Array): Uint8Array => {
    H.set(state);
    let off = 0;
    for (; off + 64 <= msg.length; off += 64) compress(msg, off);
    const rem = msg.length - off;
    const n = rem + 9 <= 64 ? 64 : 128;
    tail.fill(0, 0, n);
    tail.set(msg.subarray(off), 0);
    tail[rem] = 0x80;
    const bits = (64 + msg.length) * 8;
    const hi = Math.floor(bits / 0x100000000);
    tail[n - 8] = hi >>> 24;
    tail[n - 7] = hi >>> 16;
    tail[n - 6] = hi >>> 8;
    tail[n - 5] = hi;
    tail[n - 4] = bits >>> 24;
    tail[n - 3] = bits >>> 16;
    tail[n - 2] = bits >>> 8;
    tail[n - 1] = bits;
    compress(tail, 0);
    if (n === 128) compress(tail, 64);
    for (let i = 0; i < 8; i++) {
      const x = H[i];
      out[4 * i] = x >>> 24;
      out[4 * i + 1] = x >>> 16;
      out[4 * i + 2] = x >>> 8;
      out[4 * i + 3] = x;
    }
    return out;
  };
  const iv = new Int32Array([
    0x6a09e667,
    0xbb67ae85,
    0x3c6ef372,
    0xa54ff53a,
    0x510e527f,
    0x9b05688c,
    0x1f83d9ab,
    0x5be0cd19,
  ]);
  const pad = (x: number) => {
    const block = new Uint8Array(64);
    for (let i = 0; i < 64; i++) block[i] = (key[i] ?? 0) ^ x;
    H.set(iv);
    compress(block, 0);
    return H.slice();
  };
  const inner = pad(0x36);
  const outer = pad(0x5c);
  return (message) => finish(outer, finish(inner, message, mid), new Uint8Array(32));
}
