// The etcd KV model's state: an immutable MVCC snapshot. Every write makes a new state (the key map
// is copied on write; keys are few in checked histories), with its hash updated incrementally.
//
// Reads at an old revision need the store as it was: when a history has such reads, each state
// keeps `prev`, the state at the previous revision, down to the compact revision (below it nothing
// can be read). Equal states must then also have equal histories, so `prev` is part of the hash and
// of equality.

import type { KeyValue } from "../../../../core/mvcc/rpc.ts";
import { combineHash, fmix32, hashString } from "../../hash.ts";
import type { RevisionLookup } from "./revision-set.ts";

export interface EtcdState {
  /** The store's revision (starts at 1). */
  readonly revision: number;
  readonly compactRevision: number;
  /** Live keys (tombstones are absent). */
  readonly kvs: ReadonlyMap<string, KeyValue>;
  /** Leases known to exist. */
  readonly leases: LeaseSet;
  /** The state before the last revision change, when history is kept (else null). */
  readonly prev: EtcdState | null;
  readonly kvHash: number;
  readonly leaseHash: number;
  /** Hash of the keys at this revision and every earlier one kept (what old reads can see). */
  readonly historyHash: number;
  readonly hash: number;
}

/**
 * An immutable set of lease IDs that shares structure with the set it was made from: a grant or a
 * revoke copies two 32-slot nodes and one small leaf, not the whole set (leases that expire holding
 * no keys are never removed, so a long history's states carry thousands). A two-level trie on a
 * hash of the ID; iteration order follows the hash, so callers that show leases sort them.
 */
export class LeaseSet implements Iterable<number> {
  static readonly EMPTY = new LeaseSet(0, []);

  private constructor(
    readonly size: number,
    private readonly root: readonly (readonly (readonly number[] | undefined)[] | undefined)[],
  ) {}

  has(id: number): boolean {
    const h = leaseSlot(id);
    const leaf = this.root[h & 31]?.[(h >>> 5) & 31];
    return leaf?.includes(id) === true;
  }

  /** This set with `id` added (this set itself if it has it). */
  with(id: number): LeaseSet {
    if (this.has(id)) return this;
    return this.replaced(id, (leaf) => (leaf ? [...leaf, id] : [id]), this.size + 1);
  }

  /** This set without `id` (this set itself if it lacks it). */
  without(id: number): LeaseSet {
    if (!this.has(id)) return this;
    return this.replaced(id, (leaf) => leaf!.filter((x) => x !== id), this.size - 1);
  }

  private replaced(id: number, edit: (leaf: readonly number[] | undefined) => number[], size: number): LeaseSet {
    const h = leaseSlot(id);
    const top = h & 31;
    const mid = (h >>> 5) & 31;
    const root = this.root.slice();
    const node = root[top]?.slice() ?? [];
    node[mid] = edit(node[mid]);
    root[top] = node;
    return new LeaseSet(size, root);
  }

  *[Symbol.iterator](): Iterator<number> {
    for (const node of this.root) if (node) for (const leaf of node) if (leaf) yield* leaf;
  }
}

/** Where a lease ID goes in a LeaseSet: a hash of its 64-bit value (IDs may exceed 32 bits). */
function leaseSlot(id: number): number {
  return fmix32((id | 0) ^ Math.floor(id / 0x100000000));
}

export function kvTerm(kv: KeyValue): number {
  let h = hashString(kv.key);
  h = combineHash(h, hashString(kv.value));
  h = combineHash(h, kv.createRevision);
  h = combineHash(h, kv.modRevision);
  h = combineHash(h, kv.version);
  h = combineHash(h, kv.lease);
  return fmix32(h);
}

const leaseTerm = (id: number): number => fmix32(combineHash(0x1ea5e, id));

function seal(
  revision: number,
  compactRevision: number,
  kvs: ReadonlyMap<string, KeyValue>,
  leases: LeaseSet,
  prev: EtcdState | null,
  kvHash: number,
  leaseHash: number,
): EtcdState {
  // Old states matter only through their keys: leases and compactions of the past are not part of it.
  let history = combineHash(revision, kvHash);
  if (prev) history = combineHash(history, prev.historyHash);
  let h = combineHash(history, compactRevision);
  h = combineHash(h, leaseHash);
  return { revision, compactRevision, kvs, leases, prev, kvHash, leaseHash, historyHash: history, hash: fmix32(h) };
}

/** Revision 1, nothing compacted yet (etcd's compactMainRev starts at -1, so Compact(0) succeeds once). */
export function initialState(): EtcdState {
  return seal(1, -1, new Map(), LeaseSet.EMPTY, null, 0, 0);
}

/** Which earlier states a new state keeps (reads at old revisions and serializable reads need them). */
export interface HistoryPolicy {
  /** Keep `prev` chains, down to the compact revision. */
  keepHistory: boolean;
  /**
   * Revisions kept below the compact revision too: those serializable reads showed (or read at). A
   * lagging member serves them from its own store, which has not applied the compaction yet.
   */
  servedRevisions?: RevisionLookup;
}

/** A state being built from a base: writes go to copies; `finish` seals it. */
export class StateBuilder {
  private kvs: Map<string, KeyValue> | null = null;
  private leases: LeaseSet | null = null;
  private kvHash: number;
  private leaseHash: number;
  compactRevision: number;
  /** Set when a key changed: the transaction then takes a new revision. */
  changed = false;

  constructor(readonly base: EtcdState) {
    this.kvHash = base.kvHash;
    this.leaseHash = base.leaseHash;
    this.compactRevision = base.compactRevision;
  }

  get(key: string): KeyValue | undefined {
    return (this.kvs ?? this.base.kvs).get(key);
  }

  currentKvs(): ReadonlyMap<string, KeyValue> {
    return this.kvs ?? this.base.kvs;
  }

  hasLease(id: number): boolean {
    return (this.leases ?? this.base.leases).has(id);
  }

  put(kv: KeyValue): void {
    if (!this.kvs) this.kvs = new Map(this.base.kvs);
    const old = this.kvs.get(kv.key);
    if (old) this.kvHash = (this.kvHash - kvTerm(old)) | 0;
    this.kvs.set(kv.key, kv);
    this.kvHash = (this.kvHash + kvTerm(kv)) | 0;
    this.changed = true;
  }

  delete(key: string): void {
    const old = this.get(key);
    if (!old) return;
    if (!this.kvs) this.kvs = new Map(this.base.kvs);
    this.kvs.delete(key);
    this.kvHash = (this.kvHash - kvTerm(old)) | 0;
    this.changed = true;
  }

  grantLease(id: number): void {
    if (this.hasLease(id)) return;
    this.leases = (this.leases ?? this.base.leases).with(id);
    this.leaseHash = (this.leaseHash + leaseTerm(id)) | 0;
  }

  revokeLease(id: number): void {
    if (!this.hasLease(id)) return;
    this.leases = (this.leases ?? this.base.leases).without(id);
    this.leaseHash = (this.leaseHash - leaseTerm(id)) | 0;
  }

  /** The revision the current transaction writes at. */
  get writeRevision(): number {
    return this.base.revision + 1;
  }

  finish(policy: HistoryPolicy): EtcdState {
    const b = this.base;
    if (!this.changed && !this.leases && this.compactRevision === b.compactRevision) return b;
    const revision = this.changed ? b.revision + 1 : b.revision;
    // The previous revision's state keeps its own history; a state at the same revision shares it.
    let prev = policy.keepHistory ? (this.changed ? b : b.prev) : null;
    // A compaction makes the revisions below it unreadable (but to lagging members' serializable reads).
    if (prev && this.compactRevision !== b.compactRevision)
      prev = withFloor(prev, this.compactRevision, b.compactRevision, policy.servedRevisions);
    return seal(
      revision,
      this.compactRevision,
      this.kvs ?? b.kvs,
      this.leases ?? b.leases,
      prev,
      this.kvHash,
      this.leaseHash,
    );
  }
}

/**
 * `state` with its history cut below `floor`: the states from `state` down to the one as of `floor`,
 * remade so that one is followed only by the states below it at a `served` revision (each keeps its
 * own keys, leases and compaction). Without the cut, a long history's states would hold every
 * revision it ever made (a simulated hour's: 100,000). Two states that differ only in what no read
 * can see are the same store from then on, and now hash alike too. Below `oldFloor` (the previous
 * compaction) the chain was cut before: it is shared as it is.
 */
function withFloor(
  state: EtcdState,
  floor: number,
  oldFloor: number,
  served: RevisionLookup | undefined,
): EtcdState | null {
  const kept: EtcdState[] = [];
  let dropped = 0;
  let s: EtcdState | null = state;
  for (; s && s.revision >= oldFloor; s = s.prev)
    if (s.revision >= floor || served?.has(s.revision) === true) kept.push(s);
    else dropped++;
  if (dropped === 0) return state;
  // The chain holds one state per revision from the old floor up, so the one as of `floor` is kept
  // (unless the state being made is that one).
  let below = s;
  for (let i = kept.length - 1; i >= 0; i--) {
    const k = kept[i]!;
    below = seal(k.revision, k.compactRevision, k.kvs, k.leases, below, k.kvHash, k.leaseHash);
  }
  return below;
}

/**
 * The store as of `revision` (≤ state.revision), following the history chain. Note the state found
 * may carry a later compact revision or leases; callers only read its keys.
 */
export function atRevision(state: EtcdState, revision: number): EtcdState | undefined {
  let s: EtcdState | null = state;
  while (s && s.revision > revision) s = s.prev;
  return s ?? undefined;
}

function sameKvs(x: ReadonlyMap<string, KeyValue>, y: ReadonlyMap<string, KeyValue>): boolean {
  if (x === y) return true;
  if (x.size !== y.size) return false;
  for (const [k, kv] of x) {
    const other = y.get(k);
    if (!other || !sameKeyValue(kv, other)) return false;
  }
  return true;
}

/** Same store now (keys, compaction, leases) and the same keys at every earlier revision kept. */
export function statesEqual(a: EtcdState, b: EtcdState): boolean {
  if (a === b) return true;
  if (a.hash !== b.hash || a.compactRevision !== b.compactRevision || a.leaseHash !== b.leaseHash) return false;
  if (a.leases !== b.leases) {
    if (a.leases.size !== b.leases.size) return false;
    for (const id of a.leases) if (!b.leases.has(id)) return false;
  }
  let x: EtcdState | null = a;
  let y: EtcdState | null = b;
  while (x !== y) {
    if (!x || !y) return false;
    if (x.historyHash !== y.historyHash || x.revision !== y.revision || x.kvHash !== y.kvHash) return false;
    if (!sameKvs(x.kvs, y.kvs)) return false;
    x = x.prev;
    y = y.prev;
  }
  return true;
}

export function sameKeyValue(a: KeyValue, b: KeyValue): boolean {
  return (
    a === b ||
    (a.key === b.key &&
      a.value === b.value &&
      a.createRevision === b.createRevision &&
      a.modRevision === b.modRevision &&
      a.version === b.version &&
      a.lease === b.lease)
  );
}

export function describeState(s: EtcdState): string {
  const keys = [...s.kvs.keys()].sort();
  const shown = keys.map((k) => {
    const kv = s.kvs.get(k)!;
    const lease = kv.lease ? ` lease ${kv.lease}` : "";
    return `${k}=${JSON.stringify(kv.value)} (create ${kv.createRevision}, mod ${kv.modRevision}, v${kv.version}${lease})`;
  });
  const leases = s.leases.size ? `; leases ${[...s.leases].sort((a, b) => a - b).join(", ")}` : "";
  const compact = s.compactRevision >= 0 ? `; compacted at ${s.compactRevision}` : "";
  return `revision ${s.revision}${compact}: {${shown.join(", ")}}${leases}`;
}
