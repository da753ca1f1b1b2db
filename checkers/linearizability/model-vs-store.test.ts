// The etcd model's sequential semantics against the simulated store (core/mvcc, which its own
// differential tests hold to a real etcd 3.4): random request sequences, applied to both, must get
// the same errors and matching responses (as the checker compares them: raft terms and TTLs aside).
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import type { Compare, EtcdRequest, RangeRequest, RequestOp, SortOrder, SortTarget } from "../../core/mvcc/rpc.ts";
import { isEtcdError, MvccStore } from "../../core/mvcc/store.ts";
import { applyRequest, type ApplyContext } from "./models/etcd/apply.ts";
import { responseMatches } from "./models/etcd/match.ts";
import { initialState } from "./models/etcd/state.ts";

const KEYS = ["a", "b", "c", "d"];

/** A request with revisions and leases left symbolic: resolved against the store when it runs. */
type Spec =
  | {
      kind: "range";
      key: number;
      end: number | null;
      limit: number;
      rev: number;
      sort: [SortOrder, SortTarget];
      keysOnly: boolean;
      countOnly: boolean;
      minMod: number;
      maxCreate: number;
    }
  | {
      kind: "put";
      key: number;
      value: number;
      lease: number;
      prevKv: boolean;
      ignoreValue: boolean;
      ignoreLease: boolean;
    }
  | { kind: "delete"; key: number; end: number | null; prevKv: boolean }
  | {
      kind: "txn";
      compares: { key: number; target: Compare["target"]; result: Compare["result"]; n: number }[];
      success: Spec[];
      failure: Spec[];
    }
  | { kind: "compact"; rev: number }
  | { kind: "grant" }
  | { kind: "revoke"; lease: number }
  | { kind: "keepAlive"; lease: number };

const key = fc.integer({ min: 0, max: KEYS.length - 1 });
const end = fc.option(fc.integer({ min: 0, max: KEYS.length }), { nil: null });
const rangeSpec = fc.record({
  kind: fc.constant("range" as const),
  key,
  end,
  limit: fc.constantFrom(0, 0, 1, 2),
  rev: fc.integer({ min: -1, max: 6 }), // -1: latest; else current - rev (may be compacted or in the future)
  sort: fc.constantFrom<[SortOrder, SortTarget]>(
    ["NONE", "KEY"],
    ["DESCEND", "KEY"],
    ["ASCEND", "VALUE"],
    ["DESCEND", "MOD"],
    ["NONE", "VERSION"],
    ["ASCEND", "CREATE"],
  ),
  keysOnly: fc.boolean(),
  countOnly: fc.integer({ min: 0, max: 5 }).map((x) => x === 0),
  minMod: fc.constantFrom(0, 0, 0, 3),
  maxCreate: fc.constantFrom(0, 0, 0, 4),
});
const putSpec = fc.record({
  kind: fc.constant("put" as const),
  key,
  value: fc.integer({ min: 0, max: 3 }),
  lease: fc.constantFrom(-1, -1, -1, 0, 1, 9), // -1 none; i: the i-th lease granted; 9: never granted
  prevKv: fc.boolean(),
  ignoreValue: fc.integer({ min: 0, max: 8 }).map((x) => x === 0),
  ignoreLease: fc.integer({ min: 0, max: 8 }).map((x) => x === 0),
});
const deleteSpec = fc.record({ kind: fc.constant("delete" as const), key, end, prevKv: fc.boolean() });
const compareSpec = fc.record({
  key,
  target: fc.constantFrom<Compare["target"]>("VERSION", "CREATE", "MOD", "VALUE", "LEASE"),
  result: fc.constantFrom<Compare["result"]>("EQUAL", "NOT_EQUAL", "GREATER", "LESS"),
  n: fc.integer({ min: 0, max: 4 }),
});
const leafOp = fc.oneof(rangeSpec, putSpec, deleteSpec);
const innerTxn = fc.record({
  kind: fc.constant("txn" as const),
  compares: fc.array(compareSpec, { maxLength: 1 }),
  success: fc.array(leafOp, { maxLength: 2 }),
  failure: fc.array(leafOp, { maxLength: 1 }),
});
const txnOp = fc.oneof({ weight: 4, arbitrary: leafOp }, { weight: 1, arbitrary: innerTxn });
const txnSpec = fc.record({
  kind: fc.constant("txn" as const),
  compares: fc.array(compareSpec, { maxLength: 2 }),
  success: fc.array(txnOp, { maxLength: 3 }),
  failure: fc.array(txnOp, { maxLength: 2 }),
});
const spec: fc.Arbitrary<Spec> = fc.oneof(
  { weight: 3, arbitrary: rangeSpec },
  { weight: 4, arbitrary: putSpec },
  { weight: 1, arbitrary: deleteSpec },
  { weight: 2, arbitrary: txnSpec },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("compact" as const), rev: fc.integer({ min: 0, max: 4 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: "grant" as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("revoke" as const), lease: fc.constantFrom(0, 1, 9) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("keepAlive" as const), lease: fc.constantFrom(0, 1, 9) }) },
);

/** Resolves a spec against the current revision and the leases granted so far. */
function resolve(s: Spec, rev: number, leases: number[], nested = false): EtcdRequest {
  const lease = (i: number): number => (i === 9 ? 424242 : (leases[i % Math.max(1, leases.length)] ?? 424242));
  const endKey = (e: number | null): string | undefined =>
    e === null ? undefined : e === KEYS.length ? "\0" : KEYS[e];
  switch (s.kind) {
    case "range": {
      const r: RangeRequest = {
        key: KEYS[s.key]!,
        limit: s.limit,
        keysOnly: s.keysOnly,
        countOnly: s.countOnly,
        sortOrder: s.sort[0],
        sortTarget: s.sort[1],
      };
      const e = endKey(s.end);
      if (e !== undefined) r.rangeEnd = e;
      if (s.rev >= 0) r.revision = Math.max(1, rev - s.rev + (s.rev === 0 ? 1 : 0)); // 0: one past current
      if (s.minMod) r.minModRevision = s.minMod;
      if (s.maxCreate) r.maxCreateRevision = s.maxCreate;
      return { kind: "range", range: r };
    }
    case "put":
      return {
        kind: "put",
        put: {
          key: KEYS[s.key]!,
          value: `v${s.value}`,
          prevKv: s.prevKv,
          ...(s.lease >= 0 ? { lease: lease(s.lease) } : {}),
          ...(s.ignoreValue ? { ignoreValue: true } : {}),
          ...(s.ignoreLease && s.lease < 0 ? { ignoreLease: true } : {}),
        },
      };
    case "delete": {
      const e = endKey(s.end);
      return {
        kind: "deleteRange",
        deleteRange: { key: KEYS[s.key]!, prevKv: s.prevKv, ...(e !== undefined ? { rangeEnd: e } : {}) },
      };
    }
    case "txn": {
      // Distinct keys per branch: etcd rejects a key written twice in one branch (not the model's business).
      const branch = (ops: Spec[]): RequestOp[] => {
        const written = new Set<number>();
        const out: RequestOp[] = [];
        for (const o of ops) {
          if (o.kind === "put" || o.kind === "delete") {
            if (written.has(o.key) || (o.kind === "delete" && o.end !== null)) continue;
            written.add(o.key);
          }
          const r = resolve(o, rev, leases, true);
          if (r.kind === "range") out.push({ requestRange: r.range });
          else if (r.kind === "put") out.push({ requestPut: r.put });
          else if (r.kind === "deleteRange") out.push({ requestDeleteRange: r.deleteRange });
          else if (r.kind === "txn") out.push({ requestTxn: r.txn });
        }
        return out;
      };
      const compare: Compare[] = s.compares.map((c) => ({
        key: KEYS[c.key]!,
        target: c.target,
        result: c.result,
        ...(c.target === "VALUE"
          ? { value: `v${c.n}` }
          : c.target === "VERSION"
            ? { version: c.n }
            : c.target === "CREATE"
              ? { createRevision: c.n }
              : c.target === "MOD"
                ? { modRevision: c.n }
                : { lease: c.n ? lease(c.n - 1) : 0 }),
      }));
      return { kind: "txn", txn: { compare, success: branch(s.success), failure: branch(s.failure) } };
    }
    case "compact":
      return { kind: "compact", compact: { revision: Math.max(0, rev - s.rev) } };
    case "grant":
      return { kind: "leaseGrant", leaseGrant: { TTL: 100 } };
    case "revoke":
      return { kind: "leaseRevoke", leaseRevoke: { ID: lease(s.lease) } };
    case "keepAlive":
      void nested;
      return { kind: "leaseKeepAlive", leaseKeepAlive: { ID: lease(s.lease) } };
  }
}

test("the etcd model answers every request as the simulated store does", () => {
  const seenErrors = new Set<string>();
  let compared = 0;
  let nestedTxns = 0;
  fc.assert(
    fc.property(fc.array(spec, { minLength: 1, maxLength: 25 }), (specs) => {
      const store = new MvccStore();
      const leases: number[] = [];
      const ctx: ApplyContext = { keepHistory: true, isTracked: () => true }; // the store knows every lease
      let state = initialState();
      for (const s of specs) {
        const req = resolve(s, state.revision, leases);
        let actual = store.apply(req);
        // A keep-alive of a lease that is gone answers TTL 0; the checker reads it as lease-not-found.
        if (!isEtcdError(actual) && actual.kind === "leaseKeepAlive" && actual.leaseKeepAlive.TTL <= 0)
          actual = { error: "lease-not-found" };
        if (isEtcdError(actual)) {
          seenErrors.add(actual.error);
          // Limits the model is not configured with: the checker drops these.
          if (["too-many-ops", "lease-ttl-too-large"].includes(actual.error)) continue;
        }
        const observed = !isEtcdError(actual) && actual.kind === "leaseGrant" ? actual : undefined;
        const outcome = applyRequest(state, req, ctx, observed);
        const what = () =>
          `${JSON.stringify(req)}\n store: ${JSON.stringify(actual)}\n model: ${JSON.stringify(outcome.ok ? outcome.response : outcome.error)}`;
        if (isEtcdError(actual)) {
          if (outcome.ok || outcome.error !== actual.error) throw new Error(`errors differ for ${what()}`);
          continue;
        }
        if (!outcome.ok) throw new Error(`the model failed where the store answered: ${what()}`);
        if (!responseMatches(req, outcome.response, actual)) throw new Error(`responses differ for ${what()}`);
        if (actual.kind === "leaseGrant") leases.push(actual.leaseGrant.ID);
        if (req.kind === "txn" && actual.kind === "txn" && actual.txn.responses.some((r) => "responseTxn" in r))
          nestedTxns++;
        state = outcome.state;
        compared++;
      }
      return true;
    }),
    { seed: 21, numRuns: 3000 },
  );
  assert.ok(compared > 10_000, `only ${compared} responses compared`);
  assert.ok(nestedTxns > 200, `only ${nestedTxns} nested txns ran`);
  for (const e of [
    "compacted",
    "future-revision",
    "lease-not-found",
    "key-not-found",
    "duplicate-key",
    "value-provided",
  ])
    assert.ok(seenErrors.has(e), `no ${e} error was exercised`);
});

test.run();
