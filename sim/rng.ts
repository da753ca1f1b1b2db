// Seeded random streams. A stream is named by its path from the run's seed ("7/network/n1"), and a
// child's sequence depends only on that path: forking never consumes the parent's draws, so adding
// a component never shifts another component's randomness.
import type { Random } from "../core/env.ts";

export class Rng implements Random {
  /**
   * Alea's state [s0, s1, s2, c], seeded as seedrandom's alea seeds it and then stepped here with the same
   * arithmetic: seedrandom keeps it in object fields, where every step boxes three new doubles — this
   * runs for every message and fsync. The sequence is seedrandom's, draw for draw (rng.test.ts checks).
   */
  private s: Float64Array | undefined;
  readonly path: string;

  constructor(seedOrPath: number | string) {
    this.path = typeof seedOrPath === "number" ? `seed:${seedOrPath >>> 0}` : seedOrPath;
  }

  /** Uniform in [0, 1): seedrandom's alea() output. */
  next(): number {
    // Seeded at the first draw: many streams (fault points, stalls that never fire) are never drawn from.
    const s = this.s ?? (this.s = aleaSeed(this.path));
    const t = 2091639 * s[0]! + s[3]! * 2.3283064365386963e-10; // 2^-32
    s[0] = s[1]!;
    s[1] = s[2]!;
    const c = t | 0;
    s[3] = c;
    return (s[2] = t - c);
  }

  uint32(): number {
    return ((this.next() * 0x100000000) | 0) >>> 0;
  }

  int(lo: number, hi: number): number {
    if (hi < lo) throw new RangeError(`int(${lo}, ${hi}): empty range`);
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.next() < p;
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new RangeError("pick from an empty array");
    return xs[Math.floor(this.next() * xs.length)] as T;
  }

  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = xs[i] as T;
      xs[i] = xs[j] as T;
      xs[j] = t;
    }
    return xs;
  }

  fork(name: string): Rng {
    return new Rng(`${this.path}/${name}`);
  }

  /** Latency: base + uniform jitter, with probability tailP a heavy tail of up to tailFactor × base. Integer µs. */
  latency(baseUs: number, jitterUs: number, tailP = 0, tailFactor = 10): number {
    let d = baseUs + (jitterUs > 0 ? this.int(0, jitterUs) : 0);
    if (tailP > 0 && this.chance(tailP)) d += Math.floor(this.next() * this.next() * baseUs * tailFactor);
    return d;
  }
}

/**
 * Baagoe's Mash over `data`, continuing from the running state `n` (seedrandom's alea keeps it in a
 * closure across calls): returns the new state; the hash value is (state >>> 0) * 2^-32. A plain function
 * over a local, not a closure: a double a closure assigns is boxed anew on every store (four per character).
 */
function mashStep(n: number, data: string): number {
  for (let i = 0; i < data.length; i++) {
    n += data.charCodeAt(i);
    let h = 0.02519603282416938 * n;
    n = h >>> 0;
    h -= n;
    h *= n;
    n = h >>> 0;
    h -= n;
    n += h * 0x100000000; // 2^32
  }
  return n;
}

/** Alea's seeding starts with three Mash calls over " ", the same for every seed: their values and the state after them. */
const MASH_SPACE = ((): { s: [number, number, number]; n: number } => {
  let n = 0xefc8249d;
  const s: [number, number, number] = [0, 0, 0];
  for (let i = 0; i < 3; i++) {
    n = mashStep(n, " ");
    s[i] = (n >>> 0) * 2.3283064365386963e-10; // 2^-32
  }
  return { s, n };
})();

/**
 * Alea's initial state [s0, s1, s2, c] for a string seed: Baagoe's seeding with his Mash, exactly as
 * seedrandom's alea computes it (rng.test.ts compares the streams draw for draw).
 */
function aleaSeed(seed: string): Float64Array {
  const st = new Float64Array(4);
  st[3] = 1;
  let n = MASH_SPACE.n;
  for (let i = 0; i < 3; i++) {
    n = mashStep(n, seed);
    let x = MASH_SPACE.s[i]! - (n >>> 0) * 2.3283064365386963e-10; // 2^-32
    if (x < 0) x += 1;
    st[i] = x;
  }
  return st;
}

/** Parses a seed as the CLI accepts it: an unsigned 32-bit integer, decimal or 0x-hex. */
export function parseSeed(text: string): number | undefined {
  const t = text.trim();
  let n: number;
  if (/^0x[0-9a-f]+$/i.test(t)) n = parseInt(t.slice(2), 16);
  else if (/^[0-9]+$/.test(t)) n = Number(t);
  else return undefined;
  if (!Number.isSafeInteger(n) || n < 0 || n > 0xffffffff) return undefined;
  return n;
}
