// Seeded random streams. A stream is named by its path from the run's seed ("7/network/n1"), and a
// child's sequence depends only on that path: forking never consumes the parent's draws, so adding
// a component never shifts another component's randomness.
import seedrandom from "seedrandom";
import type { Random } from "../core/env.ts";

export class Rng implements Random {
  /**
   * Alea's state [s0, s1, s2, c], seeded by seedrandom's alea and then stepped here with the same
   * arithmetic: seedrandom keeps it in object fields, where every step boxes three new doubles — this
   * runs for every message and fsync. The sequence is seedrandom's, draw for draw (rng.test.ts checks).
   */
  private readonly s = new Float64Array(4);
  readonly path: string;

  constructor(seedOrPath: number | string) {
    this.path = typeof seedOrPath === "number" ? `seed:${seedOrPath >>> 0}` : seedOrPath;
    // Alea: fast, good enough statistically, and fully determined by its string seed.
    const st = seedrandom.alea(this.path, { state: true }).state() as unknown as { s0: number; s1: number; s2: number; c: number };
    this.s[0] = st.s0;
    this.s[1] = st.s1;
    this.s[2] = st.s2;
    this.s[3] = st.c;
  }

  /** Uniform in [0, 1): seedrandom's alea() output. */
  next(): number {
    const s = this.s;
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
