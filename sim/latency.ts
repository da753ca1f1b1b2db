// Latency distributions for simulated disks: what one fsync costs, drawn per call. A profile is a
// lognormal body (the usual shape of storage latency: most calls near the median, a long right side)
// and, for a disk shared with a noisy neighbour, a Pareto tail: a few fsyncs wait tens to hundreds of
// milliseconds behind someone else's I/O. Only used when a scenario option selects a profile; the
// draws come from a stream of their own, so turning it on shifts no other component's randomness.
import type { Rng } from "./rng.ts";

export const DISK_PROFILES = ["nvme", "ssd", "hdd", "noisy-neighbour"] as const;
export type DiskProfile = (typeof DISK_PROFILES)[number];

export interface FsyncDistribution {
  /** Median of the lognormal body (µs). */
  medianUs: number;
  /** Shape of the body: the log's standard deviation (p99 ≈ median × e^(2.33σ)). */
  sigma: number;
  /** Chance an fsync falls in the Pareto tail instead. */
  tailP: number;
  /** The tail's scale (its smallest value, µs) and shape (smaller: heavier). */
  tailMinUs: number;
  tailAlpha: number;
  /** No fsync takes longer than this (a stuck device is a fault, not a latency). */
  maxUs: number;
}

/**
 * Typical fsync latencies. NVMe flushes in a few hundred µs (etcd's own guidance: WAL fsync p99 under
 * 10 ms on good disks); a SATA SSD in a millisecond or two; a spinning disk in about a rotation; a
 * noisy neighbour is an NVMe volume whose queue someone else fills now and then.
 */
export const PROFILES: Record<DiskProfile, FsyncDistribution> = {
  nvme: { medianUs: 400, sigma: 0.35, tailP: 0, tailMinUs: 0, tailAlpha: 2, maxUs: 50_000 },
  ssd: { medianUs: 2_000, sigma: 0.5, tailP: 0, tailMinUs: 0, tailAlpha: 2, maxUs: 200_000 },
  hdd: { medianUs: 10_000, sigma: 0.6, tailP: 0, tailMinUs: 0, tailAlpha: 2, maxUs: 1_000_000 },
  "noisy-neighbour": { medianUs: 1_000, sigma: 0.5, tailP: 0.05, tailMinUs: 5_000, tailAlpha: 1.1, maxUs: 500_000 },
};

/** A profile with its body's median moved to medianUs (the tail moves with it). */
export function withMedian(d: FsyncDistribution, medianUs: number): FsyncDistribution {
  const k = medianUs / d.medianUs;
  return { ...d, medianUs, tailMinUs: d.tailMinUs * k, maxUs: Math.max(d.maxUs, d.maxUs * k) };
}

/** One draw, integer µs ≥ 1. */
export function drawUs(d: FsyncDistribution, rng: Rng): number {
  let v: number;
  if (d.tailP > 0 && rng.next() < d.tailP) {
    // Pareto by inversion: xm / U^(1/α), U in (0, 1].
    v = d.tailMinUs / (1 - rng.next()) ** (1 / d.tailAlpha);
  } else {
    // Box–Muller: one standard normal from two uniforms.
    const u1 = 1 - rng.next();
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * rng.next());
    v = d.medianUs * Math.exp(d.sigma * z);
  }
  return Math.max(1, Math.min(d.maxUs, Math.round(v)));
}

/** Where the distribution comes from for one disk: fixed, or chosen at each fsync (a slow "@leader"). */
export type FsyncSampler = () => number;

export function sampler(d: FsyncDistribution, rng: Rng): FsyncSampler {
  return () => drawUs(d, rng);
}
