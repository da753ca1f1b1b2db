// Seed ranges and shards: a deterministic split, so N machines together cover a range exactly once.
import { UsageError } from "./types.ts";
import { parseSeed } from "../sim/rng.ts";

export function parseSeedRange(text: string): { from: number; to: number } {
  const m = /^\s*([0-9a-fx]+)\s*\.\.\s*([0-9a-fx]+)\s*$/i.exec(text);
  const from = m ? parseSeed(m[1]!) : undefined;
  const to = m ? parseSeed(m[2]!) : undefined;
  if (from === undefined || to === undefined)
    throw new UsageError(`bad seed range "${text}": expected A..B with unsigned 32-bit seeds`);
  if (to < from) throw new UsageError(`bad seed range "${text}": ${to} is below ${from}`);
  if (to - from >= 10_000_000) throw new UsageError(`bad seed range "${text}": more than 10,000,000 seeds`);
  return { from, to };
}

export function parseShard(text: string): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new UsageError(`bad shard "${text}": expected I/N with 1 <= I <= N`);
  const index = Number(m[1]),
    count = Number(m[2]);
  if (count < 1 || index < 1 || index > count)
    throw new UsageError(`bad shard "${text}": expected I/N with 1 <= I <= N`);
  return { index, count };
}

/** The seeds of shard I/N (1-based): every N-th seed of the range starting at the I-th. */
export function shardSeeds(from: number, to: number, shard?: { index: number; count: number }): number[] {
  const out: number[] = [];
  const step = shard?.count ?? 1;
  for (let s = from + ((shard?.index ?? 1) - 1); s <= to; s += step) out.push(s);
  return out;
}
