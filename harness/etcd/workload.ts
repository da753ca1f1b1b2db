// A seeded client workload with etcd's robustness-test traffic mix: point and prefix reads, stale
// reads at an older revision, puts of unique values, deletes, multi-op Txns, compare-and-swap on
// mod_revision, puts with a lease, lease keep-alives and revokes, a compaction loop, and watches that
// start at the current revision plus or minus an offset. One operation in flight per client, as in Jepsen.
import type { Actor, Env, Random } from "../../core/env.ts";
import type { Compare, KeyValue, PutRequest, RangeRequest, RequestOp, TxnRequest } from "../../core/mvcc/rpc.ts";
import { EtcdClient, type ClientOptions } from "../../core/etcd/client.ts";
import { probesOf } from "../../core/probes.ts";
import { ETCD_PROBES } from "../../core/etcd/probes.ts";

const probe = probesOf(ETCD_PROBES);

export interface TrafficMix {
  get: number;
  list: number;
  staleGet: number;
  put: number;
  delete: number;
  txn: number;
  /**
   * A Txn whose compare is on a key's value, create revision, lease, version or mod revision (or on
   * every key of the prefix), with any result: etcd's lock and election recipes compare create
   * revisions, STM compares values. 0 in the default mix.
   */
  txnCompare: number;
  /**
   * A prefix listing with Range's other options: a sort (target and order), keys_only or count_only,
   * a min/max mod or create revision filter, a limit. 0 in the default mix.
   */
  rangeOptions: number;
  /** A put that keeps the key's value (ignore_value) or its lease (ignore_lease). 0 in the default mix. */
  putIgnore: number;
  /**
   * A DeleteRange over a range of keys (`etcdctl del --prefix` and its kin): between two of the keys, or
   * now and then the whole prefix; prev_kv at times. 0 in the default mix.
   */
  rangeDelete: number;
  /**
   * A Txn that writes (puts or deletes a key) and then reads, in the same branch, that key or the whole
   * prefix: the reads must see the Txn's own writes. 0 in the default mix.
   */
  txnWriteRead: number;
  /**
   * A request etcd must refuse before it is proposed, as a careless client sends it: an empty key, a
   * value with ignore_value, a lease with ignore_lease (alone or in either branch of a Txn). 0 in the default mix.
   */
  invalidRequest: number;
  /**
   * A read at a revision a little past the last one the client saw: a future revision, which etcd refuses
   * (ErrFutureRev), unless other clients' writes got there first; at times inside a Txn after a put, where
   * the refusal undoes the put, or a compaction at that revision instead. 0 in the default mix.
   */
  aheadRead: number;
  /**
   * A Txn nesting another (etcd ≥ 3.3): the outer one puts a key, then runs an inner Txn whose compare is
   * on that same key — judged on the store before the outer put, as etcd decides every branch up front —
   * and whose branches read the prefix and write a second key (both may: only one runs); one time in five
   * the inner Txn also writes
   * what the outer one does (a put of the same key, or a put under its delete), which etcd refuses whole.
   * 0 in the default mix.
   */
  nestedTxn: number;
  /**
   * One Txn that rewrites the keyspace: a delete from a key to the end of the keyspace (clientv3's
   * WithFromKey, range end "\0", which etcd's duplicate-key check reads as an empty interval) and puts of
   * keys inside it, so each re-created key has a tombstone and a put at one revision; half the time the
   * client then compacts at exactly that revision (etcd #22376's shape). 0 in the default mix.
   */
  rewrite: number;
  cas: number;
  putWithLease: number;
  leaseRevoke: number;
  /** A keep-alive of a lease the client holds (clientv3's KeepAliveOnce); 0 in the default mix. */
  keepAlive: number;
  /**
   * A LeaseTimeToLive of a lease the client holds or let go (its keys listed half the time); absent or 0
   * in a mix, nothing drawn for it.
   */
  leaseTimeToLive?: number;
  watch: number;
}

export const DEFAULT_MIX: TrafficMix = {
  get: 20,
  list: 8,
  staleGet: 6,
  put: 25,
  delete: 6,
  txn: 8,
  // Off unless a scenario asks (as keepAlive): mixes without it pick as before it existed.
  txnCompare: 0,
  rangeOptions: 0,
  putIgnore: 0,
  rangeDelete: 0,
  txnWriteRead: 0,
  invalidRequest: 0,
  aheadRead: 0,
  nestedTxn: 0,
  rewrite: 0,
  cas: 15,
  putWithLease: 5,
  leaseRevoke: 3,
  // Off unless a scenario asks: a kind of weight 0 draws nothing, so every mix without keep-alives
  // picks its operations exactly as before they existed.
  keepAlive: 0,
  leaseTimeToLive: 0,
  watch: 4,
};

/**
 * txnCompare's compare on key k: a random target and result, the operand near what the client last read
 * of k (`seen`), so that every result goes both ways; now and then over every key of the prefix.
 */
export function compareFor(
  rng: Pick<Random, "pick" | "int" | "chance">,
  k: string,
  seen: KeyValue | undefined,
  leases: readonly number[],
  freshValue: () => string,
  prefixRangeEnd: string,
): Compare {
  const target = rng.pick(["VALUE", "CREATE", "LEASE", "VERSION", "MOD"] as const);
  const result = rng.pick(["EQUAL", "NOT_EQUAL", "GREATER", "LESS"] as const);
  const near = (x: number) => Math.max(0, x + rng.int(-1, 1));
  const compare: Compare = { key: k, target, result };
  if (rng.chance(0.2)) compare.rangeEnd = prefixRangeEnd;
  if (target === "VALUE") compare.value = seen !== undefined && rng.chance(0.7) ? seen.value : freshValue();
  else if (target === "CREATE") compare.createRevision = rng.chance(0.3) ? 0 : near(seen?.createRevision ?? 0);
  else if (target === "LEASE") compare.lease = rng.chance(0.5) ? (seen?.lease ?? 0) : rng.pick([0, ...leases]);
  else if (target === "VERSION") compare.version = near(seen?.version ?? 0);
  else compare.modRevision = near(seen?.modRevision ?? 0);
  return compare;
}

/** rangeOptions' listing of the prefix: some of Range's options each time, operands near `lastRevision`. */
export function rangeWithOptions(
  rng: Pick<Random, "pick" | "int" | "chance">,
  key: string,
  rangeEnd: string,
  lastRevision: number,
): RangeRequest {
  const req: RangeRequest = { key, rangeEnd };
  if (rng.chance(0.6)) {
    req.sortTarget = rng.pick(["KEY", "VERSION", "CREATE", "MOD", "VALUE"] as const);
    req.sortOrder = rng.pick(["NONE", "ASCEND", "DESCEND"] as const);
  }
  if (rng.chance(0.4)) req.limit = rng.int(1, 3);
  if (rng.chance(0.25)) req.keysOnly = true;
  else if (rng.chance(0.15)) req.countOnly = true;
  if (rng.chance(0.4)) {
    const bound = Math.max(1, lastRevision + rng.int(-6, 0));
    const f = rng.pick(["minModRevision", "maxModRevision", "minCreateRevision", "maxCreateRevision"] as const);
    req[f] = bound;
  }
  return req;
}

/** The chance a client stops using a lease after it renewed it (see the keepAlive case). */
const ABANDON_AFTER_KEEPALIVE_P = 0.25;

export interface WorkloadOptions {
  keys: number;
  /** Mean think time between a response and the next request (process clock µs). */
  thinkUs: number;
  mix: TrafficMix;
  /** Stop issuing new operations at this true time (the run's end); in-flight ones finish. */
  stopAt: number;
  /** This client also runs the compaction loop (keeps `compactLag` revisions). */
  compactor: boolean;
  compactEveryUs: number;
  compactLag: number;
  leaseTtlSec: number;
  keyPrefix: string;
  /** How long a watch stays open before the client cancels it (µs range). */
  watchLifeUs: [number, number];
  /** Watches start this many revisions below the last seen one at most (so some start below a compaction). */
  watchBacklog: number;
  /** The chance a watch carries a filter, NOPUT or NODELETE (default 0: none, and nothing drawn for it). */
  watchFilterP?: number;
  /**
   * The chance a watch covers a single key, a range between two keys (its end a key that is written) or
   * every key from one on, instead of the whole prefix (default 0: the prefix, and nothing drawn for it).
   */
  watchRangeP?: number;
  /**
   * When a client already holds leases, the chance that a putWithLease grants a new one instead of
   * reusing one (default 0.3). Every lease in a history is a possible expiry at any later point, so
   * fewer, busier leases keep the history checkable.
   */
  leaseGrantP?: number;
  /**
   * The chance a lease grant names its own ID (default 0: none, and nothing drawn for it): half of those
   * name a lease the client holds, which etcd must refuse (lease-exists) while it lives, half a new one.
   */
  explicitLeaseIdP?: number;
  /** The `limit` of prefix listings (about a third of them; 0: never), so `more` is crossed. */
  listLimit?: number;
  /** The most operations in a multi-op Txn's success branch (default 2), to cross --max-txn-ops. */
  txnMaxOps?: number;
  /** The chance a put carries a value of bigValueBytes (default 0), to cross --max-request-bytes. */
  bigValueP?: number;
  bigValueBytes?: number;
}

export const DEFAULT_WORKLOAD: WorkloadOptions = {
  keys: 8,
  thinkUs: 20_000,
  mix: DEFAULT_MIX,
  stopAt: Infinity,
  compactor: false,
  compactEveryUs: 300_000,
  compactLag: 20,
  leaseTtlSec: 2,
  keyPrefix: "/k/",
  watchLifeUs: [100_000, 600_000],
  watchBacklog: 5,
};

/** A client process running the workload. `trueNow` is the world's virtual time (for stopAt). */
export function workloadClient(
  env: Env,
  client: ClientOptions,
  w: WorkloadOptions,
  trueNow: () => number,
): Actor & { client: EtcdClient } {
  const c = new EtcdClient(env, client);
  const id = client.clientId;
  let seq = 0;
  let explicitLeases = 0;
  let lastRevision = 1;
  const leases: number[] = [];
  /** Leases this client stopped using (revoked, or left to run out), the latest few: what a TimeToLive may find gone. */
  const letGo: number[] = [];
  const forget = (lid: number) => {
    letGo.push(lid);
    if (letGo.length > 8) letGo.shift();
  };
  /** The last pair read of each key (cas's mod revision, txnCompare's operands). */
  const pairSeen = new Map<string, KeyValue>();
  // Key names are made once: every request (and the history that keeps it) shares them.
  const keyNames = Array.from({ length: w.keys }, (_, i) => w.keyPrefix + i);
  const key = () => keyNames[env.rng.int(0, w.keys - 1)]!;
  const prefixRangeEnd = prefixEnd(w.keyPrefix);
  const sortedKeyNames = [...keyNames].sort();
  /** A key, [a, b) between two keys, or every key from one on: a watch's range other than the prefix. */
  const watchRange = (): { key: string; rangeEnd?: string } => {
    const i = env.rng.int(0, sortedKeyNames.length - 1);
    switch (env.rng.int(0, 2)) {
      case 0:
        return { key: sortedKeyNames[i]! };
      case 1: {
        if (i === sortedKeyNames.length - 1) return { key: sortedKeyNames[i]! };
        return { key: sortedKeyNames[i]!, rangeEnd: sortedKeyNames[env.rng.int(i + 1, sortedKeyNames.length - 1)]! };
      }
      default:
        return { key: sortedKeyNames[i]!, rangeEnd: "\0" };
    }
  };
  const value = () => `c${id}-${++seq}`;
  /** Most values are short; some are padded to bigValueBytes (still unique: the prefix is). */
  const putValue = () => {
    const v = value();
    const big = w.bigValueP ?? 0;
    return big > 0 && env.rng.chance(big) ? v + ".".repeat(Math.max(0, (w.bigValueBytes ?? 0) - v.length)) : v;
  };
  const kinds = Object.keys(w.mix).sort() as (keyof TrafficMix)[];
  const weights = kinds.map((k) => w.mix[k] ?? 0);
  const total = kinds.reduce((s, k) => s + (w.mix[k] ?? 0), 0);
  const noteRev = (r: number | undefined) => {
    if (r !== undefined && r > lastRevision) lastRevision = r;
  };
  const noteKvs = (kvs: readonly KeyValue[]) => {
    for (const kv of kvs) {
      pairSeen.set(kv.key, kv);
    }
  };

  /** A Txn: if `compare` holds, a fresh value at k, else a read of k (noted); `after` learns which (undefined: failed). */
  const putIf = (k: string, compare: Compare, after: (succeeded: boolean | undefined) => void) =>
    c.txn(
      {
        compare: [compare],
        success: [{ requestPut: { key: k, value: value() } }],
        failure: [{ requestRange: { key: k } }],
      },
      (r) => {
        if (!r.ok) return after(undefined);
        noteRev(r.value.header.revision);
        const rr = r.value.responses[0];
        if (rr && "responseRange" in rr) noteKvs(rr.responseRange.kvs);
        after(r.value.succeeded);
      },
    );

  const next = () => {
    if (trueNow() >= w.stopAt) return;
    env.setTimer(env.rng.int(w.thinkUs / 2, (w.thinkUs * 3) / 2), issue);
  };

  const issue = () => {
    let x = env.rng.next() * total;
    let kind = kinds[0]!;
    for (let i = 0; i < kinds.length; i++) {
      x -= weights[i]!;
      if (x < 0) {
        kind = kinds[i]!;
        break;
      }
    }
    switch (kind) {
      case "get":
        return c.range({ key: key() }, (r) => {
          if (r.ok) {
            noteRev(r.value.header.revision);
            noteKvs(r.value.kvs);
          }
          next();
        });
      case "list":
        return c.range(
          { key: w.keyPrefix, rangeEnd: prefixRangeEnd, limit: env.rng.chance(0.3) ? (w.listLimit ?? 3) : 0 },
          (r) => {
            if (r.ok) {
              noteRev(r.value.header.revision);
              noteKvs(r.value.kvs);
            }
            next();
          },
        );
      case "rangeOptions":
        return c.range(rangeWithOptions(env.rng, w.keyPrefix, prefixRangeEnd, lastRevision), (r) => {
          if (r.ok) noteRev(r.value.header.revision);
          next();
        });
      case "putIgnore": {
        // etcd refuses a value with ignore_value and a lease with ignore_lease; a missing key is "key not found".
        const req: PutRequest = env.rng.chance(0.5)
          ? {
              key: key(),
              value: "",
              ignoreValue: true,
              lease: leases.length > 0 && env.rng.chance(0.5) ? env.rng.pick(leases) : 0,
            }
          : { key: key(), value: value(), ignoreLease: true };
        const done = (r: { ok: boolean; value?: { header: { revision: number } } }) => {
          if (r.ok) noteRev(r.value!.header.revision);
          next();
        };
        if (env.rng.chance(0.3)) {
          // Inside a Txn, after a put of another key: on a missing key the whole Txn is refused ("key not
          // found", checked on the store before the Txn runs), the other put with it.
          const other = key();
          const success: RequestOp[] =
            other === req.key
              ? [{ requestPut: req }]
              : [{ requestPut: { key: other, value: value() } }, { requestPut: req }];
          return c.txn({ compare: [], success, failure: [] }, done);
        }
        return c.put(req, done);
      }
      case "rangeDelete": {
        let [from, to] = [key(), key()];
        if (to < from) [from, to] = [to, from];
        // From one key up to another (just past it when they are the same key), or every key of the prefix.
        const whole = env.rng.chance(0.15);
        const req = {
          key: whole ? w.keyPrefix : from,
          rangeEnd: whole ? prefixRangeEnd : to === from ? from + "\0" : to,
          prevKv: env.rng.chance(0.3),
        };
        const done = (r: { ok: boolean; value?: { header: { revision: number } } }) => {
          if (r.ok) noteRev(r.value!.header.revision);
          next();
        };
        if (env.rng.chance(0.2)) {
          // In a Txn with a put at the range's first key, which etcd refuses as a duplicate key (the range
          // holds its start), or at its end key, which it takes (the range stops short of its end).
          const at = to !== from && !whole && env.rng.chance(0.5) ? to : req.key;
          const success: RequestOp[] = [{ requestDeleteRange: req }, { requestPut: { key: at, value: value() } }];
          return c.txn({ compare: [], success, failure: [] }, done);
        }
        return c.deleteRange(req, done);
      }
      case "txnWriteRead": {
        const k = key();
        const write: RequestOp = env.rng.chance(0.7)
          ? { requestPut: { key: k, value: value() } }
          : { requestDeleteRange: { key: k } };
        const read: RequestOp = env.rng.chance(0.5)
          ? { requestRange: { key: k } }
          : { requestRange: { key: w.keyPrefix, rangeEnd: prefixRangeEnd } };
        // Now and then the key put twice, as a careless client might: etcd must refuse the whole Txn.
        const success =
          "requestPut" in write && env.rng.chance(0.2)
            ? [write, { requestPut: { key: k, value: value() } }, read]
            : [write, read];
        return c.txn({ compare: [], success, failure: [] }, (r) => {
          if (r.ok) noteRev(r.value.header.revision);
          next();
        });
      }
      case "invalidRequest": {
        const k = key();
        if (env.rng.chance(0.15)) {
          // A watch of an empty range (the range end at or below the key): etcd answers created and canceled
          // at once (ErrEmptyWatcherRange).
          const h = c.watch({ key: k, rangeEnd: env.rng.chance(0.5) ? k : w.keyPrefix }, () => {});
          env.setTimer(100_000, () => h.cancel());
          return next();
        }
        const bad: RequestOp = env.rng.pick([
          { requestPut: { key: k, value: value(), ignoreValue: true } },
          { requestPut: { key: k, value: "", ignoreLease: true, lease: env.rng.int(1, 1_000) } },
          { requestPut: { key: "", value: value() } },
          { requestRange: { key: "" } },
          { requestDeleteRange: { key: "" } },
        ]);
        const done = () => next();
        if (env.rng.chance(0.3)) {
          // etcd checks both branches before proposing: a bad operation in the branch that would not run still
          // refuses the Txn.
          const ok: RequestOp = { requestPut: { key: k, value: value() } };
          return env.rng.chance(0.5)
            ? c.txn({ compare: [], success: [ok, bad], failure: [] }, done)
            : c.txn({ compare: [], success: [ok], failure: [{ requestRange: { key: k } }, bad] }, done);
        }
        if ("requestPut" in bad) return c.put(bad.requestPut, done);
        if ("requestRange" in bad) return c.range(bad.requestRange, done);
        return "requestDeleteRange" in bad ? c.deleteRange(bad.requestDeleteRange, done) : done();
      }
      case "nestedTxn": {
        const k1 = key();
        const k2 = key();
        const list: RequestOp = { requestRange: { key: w.keyPrefix, rangeEnd: prefixRangeEnd } };
        // The inner branches may both write k2: only one runs, so etcd takes it.
        const inner: TxnRequest = {
          compare: [compareFor(env.rng, k1, pairSeen.get(k1), leases, value, prefixRangeEnd)],
          success: env.rng.chance(0.5) ? [list, { requestPut: { key: k2, value: value() } }] : [list],
          failure: [
            env.rng.chance(0.5) ? { requestPut: { key: k2, value: value() } } : { requestDeleteRange: { key: k2 } },
          ],
        };
        const outer: RequestOp[] = [{ requestPut: { key: k1, value: value() } }, { requestTxn: inner }];
        if (env.rng.chance(0.2)) {
          // The duplicate etcd refuses: the inner Txn puts the outer key, or the outer Txn deletes the inner one's.
          if (env.rng.chance(0.5)) inner.success.push({ requestPut: { key: k1, value: value() } });
          else {
            // A put of k2 under the outer delete of k2, in one inner branch (the other one writes no k2).
            const put: RequestOp = { requestPut: { key: k2, value: value() } };
            if (env.rng.chance(0.5)) inner.failure = [put];
            else {
              inner.success = [list, put];
              inner.failure = [list];
            }
            outer.unshift({ requestDeleteRange: { key: k2 } });
          }
        }
        return c.txn({ compare: [], success: outer, failure: [] }, (r) => {
          if (r.ok) noteRev(r.value.header.revision);
          next();
        });
      }
      case "rewrite": {
        // WithFromKey: every key from here to the end of the keyspace (the workload's keys are all it holds).
        const success: RequestOp[] = [
          {
            requestDeleteRange: {
              key: env.rng.chance(0.5) ? w.keyPrefix : key(),
              rangeEnd: "\0",
              prevKv: env.rng.chance(0.3),
            },
          },
        ];
        const puts = new Set<string>();
        for (let i = env.rng.int(1, 3); i > 0; i--) puts.add(key());
        for (const k of puts) success.push({ requestPut: { key: k, value: value() } });
        // Now and then a put before the delete too: that key ends deleted, with a put and a tombstone at one revision.
        if (env.rng.chance(0.2)) {
          const k = key();
          if (!puts.has(k)) success.unshift({ requestPut: { key: k, value: value() } });
        }
        if (env.rng.chance(0.3)) success.push({ requestRange: { key: w.keyPrefix, rangeEnd: prefixRangeEnd } });
        const compactThere = env.rng.chance(0.5);
        return c.txn({ compare: [], success, failure: [] }, (r) => {
          if (!r.ok) return next();
          noteRev(r.value.header.revision);
          if (!compactThere) return next();
          c.compact({ revision: r.value.header.revision }, () => next());
        });
      }
      case "aheadRead": {
        const revision = lastRevision + env.rng.int(1, 4);
        const read: RangeRequest = env.rng.chance(0.5)
          ? { key: key(), revision }
          : { key: w.keyPrefix, rangeEnd: prefixRangeEnd, revision };
        const done = (r: { ok: boolean; value?: { header: { revision: number } } }) => {
          if (r.ok) noteRev(r.value!.header.revision);
          next();
        };
        if (env.rng.chance(0.3))
          return c.txn(
            {
              compare: [],
              success: [{ requestPut: { key: key(), value: value() } }, { requestRange: read }],
              failure: [],
            },
            done,
          );
        // Now and then a compaction there instead, refused as a future revision unless the store got there.
        if (env.rng.chance(0.15)) return c.compact({ revision }, () => next());
        return c.range(read, done);
      }
      case "staleGet":
        return c.range(
          {
            key: w.keyPrefix,
            rangeEnd: prefixRangeEnd,
            revision: Math.max(1, lastRevision - env.rng.int(0, 10)),
          },
          () => next(),
        );
      case "put":
        return c.put({ key: key(), value: putValue(), prevKv: env.rng.chance(0.3) }, (r) => {
          if (r.ok) noteRev(r.value.header.revision);
          next();
        });
      case "delete":
        return c.deleteRange({ key: key(), prevKv: env.rng.chance(0.3) }, (r) => {
          if (r.ok) noteRev(r.value.header.revision);
          next();
        });
      case "txn": {
        const k1 = key(),
          k2 = key();
        const ops: RequestOp[] = [{ requestPut: { key: k1, value: value() } }];
        if (k2 !== k1)
          ops.push(
            env.rng.chance(0.5) ? { requestPut: { key: k2, value: value() } } : { requestDeleteRange: { key: k2 } },
          );
        // Larger Txns on distinct keys, when the scenario asks for them (to cross --max-txn-ops).
        const more = (w.txnMaxOps ?? 2) > 2 ? env.rng.int(0, (w.txnMaxOps ?? 2) - 2) : 0;
        for (let j = 0, used = new Set([k1, k2]); j < more; j++) {
          const k = key();
          if (used.has(k)) continue;
          used.add(k);
          ops.push({ requestPut: { key: k, value: value() } });
        }
        return c.txn(
          {
            compare: [
              {
                key: k1,
                target: "VERSION",
                result: env.rng.pick(["EQUAL", "GREATER", "LESS", "NOT_EQUAL"] as const),
                version: env.rng.int(0, 3),
              },
            ],
            success: ops,
            failure: [{ requestRange: { key: k1 } }],
          },
          (r) => {
            if (r.ok) noteRev(r.value.header.revision);
            next();
          },
        );
      }
      case "cas": {
        const k = key();
        // A compare-and-swap on mod_revision; after a conflict, one retry with the revision the
        // failure branch read (as a read-modify-write loop does).
        const attempt = (retry: boolean) =>
          putIf(
            k,
            { key: k, target: "MOD", result: "EQUAL", modRevision: pairSeen.get(k)?.modRevision ?? 0 },
            (succeeded) => {
              if (succeeded === false && !retry && trueNow() < w.stopAt) {
                probe("etcd.cas-retry-after-conflict");
                return attempt(true);
              }
              next();
            },
          );
        return attempt(false);
      }
      case "txnCompare": {
        const k = key();
        return putIf(k, compareFor(env.rng, k, pairSeen.get(k), leases, value, prefixRangeEnd), next);
      }
      case "putWithLease": {
        if (leases.length === 0 || env.rng.chance(w.leaseGrantP ?? 0.3)) {
          const explicit = (w.explicitLeaseIdP ?? 0) > 0 && env.rng.chance(w.explicitLeaseIdP!);
          // A held lease's ID (refused while it lives), or one of this client's own range (a new lease).
          const ID = !explicit
            ? undefined
            : leases.length > 0 && env.rng.chance(0.5)
              ? env.rng.pick(leases)
              : 1_000_000 * (id + 1) + ++explicitLeases;
          return c.leaseGrant({ TTL: w.leaseTtlSec, ...(ID !== undefined ? { ID } : {}) }, (r) => {
            if (r.ok && !leases.includes(r.value.ID)) leases.push(r.value.ID);
            next();
          });
        }
        return c.put({ key: key(), value: value(), lease: env.rng.pick(leases) }, (r) => {
          if (r.ok) noteRev(r.value.header.revision);
          next();
        });
      }
      case "keepAlive": {
        if (leases.length === 0) return next();
        const lid = env.rng.pick(leases);
        return c.leaseKeepAlive({ ID: lid }, (r) => {
          // TTL 0: the lease is gone (expired or revoked); stop using it, as a clientv3 keep-alive does.
          // Otherwise, now and then, the client is done with it and lets it run out: a lease whose last
          // renewal was answered is the one whose expiry shows whether that answer's TTL held.
          if (r.ok && (r.value.TTL <= 0 || env.rng.chance(ABANDON_AFTER_KEEPALIVE_P))) {
            const i = leases.indexOf(lid);
            if (i >= 0) {
              leases.splice(i, 1);
              forget(lid);
            }
          }
          next();
        });
      }
      case "leaseTimeToLive": {
        // Mostly a lease in use; now and then one let go, which a TimeToLive should find gone once it ran out.
        const pool = letGo.length > 0 && (leases.length === 0 || env.rng.chance(0.3)) ? letGo : leases;
        if (pool.length === 0 || c.leaseTimeToLive === undefined) return next();
        const lid = env.rng.pick(pool);
        return c.leaseTimeToLive({ ID: lid, keys: env.rng.chance(0.5) }, (r) => {
          const i = leases.indexOf(lid);
          if (r.ok && r.value.TTL === -1 && i >= 0) leases.splice(i, 1);
          next();
        });
      }
      case "leaseRevoke": {
        if (leases.length === 0) return next();
        const i = env.rng.int(0, leases.length - 1);
        const lid = leases[i]!;
        leases.splice(i, 1);
        forget(lid);
        return c.leaseRevoke({ ID: lid }, (r) => {
          if (r.ok) noteRev(r.value.header.revision);
          next();
        });
      }
      case "watch": {
        const start = Math.max(0, lastRevision + env.rng.int(-w.watchBacklog, 2));
        const prevKv = env.rng.chance(0.5);
        const filterP = w.watchFilterP ?? 0;
        const filters =
          filterP > 0 && env.rng.chance(filterP) ? [env.rng.pick(["NOPUT", "NODELETE"] as const)] : undefined;
        const rangeP = w.watchRangeP ?? 0;
        const range =
          rangeP > 0 && env.rng.chance(rangeP) ? watchRange() : { key: w.keyPrefix, rangeEnd: prefixRangeEnd };
        let h: { cancel(): void } | undefined;
        let closed = false;
        const open = (startRevision: number, resumes: number) => {
          h = c.watch(
            {
              ...range,
              startRevision,
              prevKv,
              progressNotify: true,
              ...(filters !== undefined ? { filters } : {}),
            },
            (r) => {
              for (const e of r.events) noteRev(e.kv.modRevision);
              // Like clientv3 users after ErrCompacted: resume from the compaction revision itself.
              if (r.canceled && r.compactRevision !== undefined && r.compactRevision > 0 && !closed && resumes < 3) {
                probe("etcd.watch-resumed-after-compaction");
                open(r.compactRevision, resumes + 1);
              }
            },
          );
        };
        open(start, 0);
        // Watches live for a while, then close; the workload goes on meanwhile.
        env.setTimer(env.rng.int(w.watchLifeUs[0], w.watchLifeUs[1]), () => {
          closed = true;
          h?.cancel();
        });
        return next();
      }
    }
  };

  const compactLoop = () => {
    if (trueNow() >= w.stopAt) return;
    const target = lastRevision - w.compactLag;
    if (target > 1) c.compact({ revision: target }, () => {});
    env.setTimer(w.compactEveryUs, compactLoop);
  };

  return {
    client: c,
    start() {
      env.setTimer(env.rng.int(1, w.thinkUs), issue);
      if (w.compactor) env.setTimer(w.compactEveryUs, compactLoop);
    },
    onMessage(from, msg) {
      c.onMessage(from, msg);
    },
  };
}

/** The range_end that makes [prefix, end) exactly the keys with this prefix. */
export function prefixEnd(prefix: string): string {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const c = prefix.charCodeAt(i);
    if (c < 0xffff) return prefix.slice(0, i) + String.fromCharCode(c + 1);
  }
  return "\0";
}
