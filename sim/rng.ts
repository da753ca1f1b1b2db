// Seeded random streams. A stream is named by its path from the run's seed ("7/network/n1"), and a
// child's sequence depends only on that path: forking never consumes the parent's draws, so adding
// a component never shifts another component's randomness.
import seedrandom from "seedrandom";
import type { Random } from "../core/env.ts";

export class Rng implements Random {
  private readonly prng: seedrandom.PRNG;
  readonly path: string;

  constructor(seedOrPath: number | string) {
    this.path = typeof seedOrPath === "number" ? `seed:${seedOrPath >>> 0}` : seedOrPath;
    // Alea: fast, good enough statistically, and fully determined by its string seed.
    this.prng = seedrandom.alea(this.path);
  }

  next(): number {
    return this.prng();
  }

  uint32(): number {
    return this.prng.int32() >>> 0;
  }

  int(lo: number, hi: number): number {
    if (hi < lo) throw new RangeError(`int(${lo}, ${hi}): empty range`);
    return lo + Math.floor(this.prng() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.prng() < p;
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new RangeError("pick from an empty array");
    return xs[Math.floor(this.prng() * xs.length)] as T;
  }

  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(this.prng() * (i + 1));
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
    if (tailP > 0 && this.chance(tailP)) d += Math.floor(this.prng() * this.prng() * baseUs * tailFactor);
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
