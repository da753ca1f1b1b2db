// A small incremental 32-bit FNV-1a, for hashKV: deterministic in every process, no dependencies.
// It plays the role of etcd's CRC-32C over the backend's key bucket; only equality matters.

export class Fnv1a {
  private h = 0x811c9dc5;

  /** Hashes every UTF-16 code unit, then a terminator so "ab","c" differs from "a","bc". */
  string(s: string): this {
    let h = this.h;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h = Math.imul(h ^ (c & 0xff), 0x01000193);
      h = Math.imul(h ^ (c >>> 8), 0x01000193);
    }
    this.h = Math.imul(h ^ 0xff, 0x01000193);
    return this;
  }

  /** Hashes a safe integer as two 32-bit halves. */
  int(n: number): this {
    const lo = n >>> 0;
    const hi = Math.floor(n / 0x100000000) >>> 0;
    // The low half, then the high half, each byte by byte (written out: no [lo, hi] array per call).
    this.h = word(word(this.h, lo), hi);
    return this;
  }

  digest(): number {
    return this.h >>> 0;
  }
}

/** Folds the four bytes of the 32-bit word w into h, low byte first. */
function word(h: number, w: number): number {
  h = Math.imul(h ^ (w & 0xff), 0x01000193);
  h = Math.imul(h ^ ((w >>> 8) & 0xff), 0x01000193);
  h = Math.imul(h ^ ((w >>> 16) & 0xff), 0x01000193);
  return Math.imul(h ^ (w >>> 24), 0x01000193);
}
