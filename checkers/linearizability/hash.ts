// Small, fast 32-bit hashes for model states and memo keys. Deterministic: no seeds from the world.

/** MurmurHash3's finalizer: spreads every input bit over the 32 output bits. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** Order-dependent combination of two hashes. */
export function combineHash(a: number, b: number): number {
  return (Math.imul(a ^ (a >>> 15), 0x2c1b3c6d) + fmix32(b)) | 0;
}

/** FNV-1a over UTF-16 code units, finalized. */
export function hashString(s: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** A fixed sequence of well-mixed 32-bit words (splitmix32 from a constant), for Zobrist keys. */
export function zobristKeys(count: number, seed = 0x5eed1234): Int32Array {
  const out = new Int32Array(count);
  let x = seed | 0;
  for (let i = 0; i < count; i++) {
    x = (x + 0x9e3779b9) | 0;
    out[i] = fmix32(x);
  }
  return out;
}
