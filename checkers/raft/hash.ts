// A cheap, deterministic fingerprint of an entry's payload, so the monitor compares entries without keeping
// them. Object payloads are serialized once and cached by identity (entries are never mutated).
import { fnv1a } from "../../core/fnv.ts";
import type { Entry } from "../../core/raft/types.ts";
import { RecentCache } from "../../core/recent-cache.ts";

/**
 * Fingerprints by payload object, for the recently hashed payloads only: every node appends the same
 * entry object within a short while, so a bounded cache answers nearly every repeat (see RecentCache).
 */
export const CACHE_GENERATION = 1024;
const fingerprints = new RecentCache<object, number>(CACHE_GENERATION);

/** Payload objects whose fingerprint is cached (for tests: at most 2 × CACHE_GENERATION). */
export function cachedPayloads(): number {
  return fingerprints.size;
}

function dataHash(data: unknown): number {
  if (data === null || data === undefined) return 0;
  if (typeof data === "string") return fnv1a("s" + data);
  if (typeof data !== "object") return fnv1a(typeof data + String(data));
  const hit = fingerprints.get(data);
  if (hit !== undefined) return hit;
  const h = fnv1a("o" + JSON.stringify(data, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() + "n" : v)));
  fingerprints.set(data, h);
  return h;
}

/** Fingerprint of what an entry says (its type and data), not of where it sits. */
export function entryHash(e: Entry): number {
  return e.type === "confChange" ? (dataHash(e.data) ^ 0x5bd1e995) >>> 0 : dataHash(e.data);
}

/**
 * Whether two entries say the same (entryHash equal). Payloads travel by reference and are never
 * mutated, so the same object (the common case: every node holds the leader's entry) needs no hash;
 * only different objects are serialized and compared.
 */
export function samePayload(a: Entry, b: Entry): boolean {
  if (a === b || (a.data === b.data && a.type === b.type)) return true;
  return entryHash(a) === entryHash(b);
}
