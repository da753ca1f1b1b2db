// Differential tests: the simulated store against a real etcd 3.4 (Debian's etcd-server), field by
// field. One server is started for the file (temporary data dir, free ports, fast Raft timings) and
// killed by PID at the end. Random request sequences (fast-check, fixed seed) run against it and
// against a fresh MvccStore + WatchHub; every response and every watch stream must be equal.
// Without etcd this file fails with an install hint, unless ETCDSIM_SKIP_REAL_ETCD=1 skips it.
import * as fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { EtcdGatewayClient, type RealWatch } from "../../scripts/real-etcd-client.ts";
import { realEtcdAvailability, startRealEtcd, type RealEtcd } from "../../scripts/real-etcd.ts";
import { BugSet, type BugName } from "../bugs.ts";
import {
  describeMismatch,
  equal,
  flatten,
  resolveStep,
  RunTranslation,
  splitRevision,
  UNKNOWN_LEASE,
  watchRequest,
  type CompareSpec,
  type DeleteSpec,
  type LeaseSpec,
  type Mismatch,
  type OpSpec,
  type PutSpec,
  type RangeSpec,
  type RunSpec,
  type StepSpec,
  type TxnSpec,
  type WatchSpec,
} from "../../testing/mvcc/differential-spec.ts";
import type { EtcdErrorCode, EtcdRequest, WatchCreateRequest, WatchResponse } from "./rpc.ts";
import { isEtcdError, MvccStore } from "./store.ts";
import { WatchHub } from "./watch.ts";

const availability = realEtcdAvailability();
let server: RealEtcd | undefined;
let runCounter = 0;
/** The property's seed and size; CI uses the defaults, ETCDSIM_DIFF_SEED / ETCDSIM_DIFF_RUNS explore further. */
const DIFF_SEED = Number(process.env.ETCDSIM_DIFF_SEED ?? 0x5eed);
const DIFF_RUNS = Number(process.env.ETCDSIM_DIFF_RUNS ?? 100);
/** The real server's periodic progress interval (etcd's default is 10 minutes). */
const PROGRESS_INTERVAL_MS = 200;

/** What the generated runs exercised, to prove the generators are not degenerate. */
const seen = {
  errors: new Set<EtcdErrorCode>(),
  byKind: {} as Record<string, number>,
  steps: 0,
  txns: 0,
  nestedTxns: 0,
  compactions: 0,
  canceledWatches: 0,
  liveEvents: 0,
  resumedEvents: 0,
  failedCompares: 0,
};

// ---- one run against both sides ----

async function newRun(label = "run"): Promise<{ client: EtcdGatewayClient; tr: RunTranslation }> {
  if (server === undefined) throw new Error("the real etcd is not running");
  const n = ++runCounter;
  const probe = new EtcdGatewayClient(server.clientUrl);
  // A write outside every run's prefix ("/fence" < "/fact" < "/run") starts the run at a revision
  // above any compaction an earlier run made, as a fresh store's revision 1 is above its none.
  const base = await probe.apply({ kind: "put", put: { key: "/fence", value: String(n) } });
  if (isEtcdError(base) || base.kind !== "put") throw new Error(`cannot write to the server: ${JSON.stringify(base)}`);
  const tr = new RunTranslation(
    `/${label}/${String(n).padStart(6, "0")}/`,
    base.put.header.revision - 1,
    1_000_000 * n,
  );
  const client = new EtcdGatewayClient(server.clientUrl, tr);
  client.lastRaftTerm = probe.lastRaftTerm;
  return { client, tr };
}

interface WatchPair {
  request: WatchCreateRequest;
  sim: WatchResponse[];
  real: RealWatch;
  /** Synced from the start: responses compare one to one (one per revision), not only as an event stream. */
  live: boolean;
}

interface RunOptions {
  /** Mutants of the simulated side. */
  bugs?: BugName[];
  watchTimeoutMs?: number;
  /** How long a real watch that should stay quiet is given to prove otherwise (> etcd's 100 ms sync loop). */
  quietMs?: number;
}

async function runDifferential(
  spec: RunSpec,
  client: EtcdGatewayClient,
  tr: RunTranslation,
  opts: RunOptions = {},
): Promise<Mismatch | undefined> {
  const bugs = new BugSet(opts.bugs ?? []);
  const store = new MvccStore({ bugs });
  const hub = new WatchHub(store, { bugs });
  const term = client.lastRaftTerm;
  hub.raftTerm = term;
  const granted: number[] = [];
  const watches: WatchPair[] = [];
  const timeout = opts.watchTimeoutMs ?? 3000;
  const leaseOf = (s: LeaseSpec | undefined): number => {
    if (s === undefined || s === "0") return 0;
    if (s === "L?" || granted.length === 0) return UNKNOWN_LEASE;
    return granted[Number(s.slice(1)) % granted.length] as number;
  };
  const open = (request: WatchCreateRequest, live: boolean): WatchPair => {
    const sim: WatchResponse[] = [];
    hub.openStream((r) => sim.push(r)).watch(request);
    return { request, sim, real: client.watch(request), live };
  };

  try {
    for (let i = 0; i < spec.steps.length; i++) {
      const step = spec.steps[i] as StepSpec;
      if ("watch" in step) {
        watches.push(open(watchRequest(step.watch, store.revision), true));
      } else {
        const req = resolveStep(step, store.revision, leaseOf);
        if (req.kind === "leaseGrant" && (req.leaseGrant.ID ?? 0) === 0) tr.pendingAutoLease = store.lessor.chooseId();
        const sim = store.apply(req, { raftTerm: term });
        const real = await client.apply(req);
        tr.pendingAutoLease = undefined;
        note(req.kind, sim);
        if (!isEtcdError(sim) && sim.kind === "leaseGrant") granted.push(sim.leaseGrant.ID);
        if (!equal(sim, real)) return { step: i, what: "response", request: req, sim, real };
      }
      // Let the server deliver this revision to the live watches before the next request, so a
      // later compaction cannot race the prev_kv lookups of its send loop.
      const m = await settle(i, watches, timeout);
      if (m !== undefined) return m;
    }
    // Watches resumed from past revisions after everything happened: the catch-up path, across compactions.
    for (const w of spec.resume) watches.push(open(watchRequest(w, store.revision, 1), false));
    hub.syncWatchers();
    const m = await settle(spec.steps.length, watches, timeout);
    if (m !== undefined) return m;
    // Extra events would come with the ones awaited (a synced watch gets each revision at once, a
    // resumed one all of its history in one batch), except on a resumed watch owed nothing: give
    // etcd's 100 ms sync loop time to prove that one wrong.
    const owedNothing = watches.some((w) => !w.live && flatten(w.sim).length <= 1);
    if (watches.length > 0) await new Promise((r) => setTimeout(r, opts.quietMs ?? (owedNothing ? 250 : 30)));
    for (const w of watches) {
      const sim = w.live ? w.sim : flatten(w.sim);
      const real = w.live ? w.real.responses : flatten(w.real.responses);
      if (!equal(sim, real))
        return {
          step: spec.steps.length,
          what: `watch (${w.live ? "live" : "resumed"})`,
          request: w.request,
          sim: w.sim,
          real: w.real.responses,
        };
      const split = splitRevision(w.real.responses);
      if (split !== undefined)
        return {
          step: spec.steps.length,
          what: `the real etcd split revision ${split}`,
          request: w.request,
          sim: w.sim,
          real: w.real.responses,
        };
      for (const r of w.sim) {
        if (r.canceled === true) seen.canceledWatches++;
        if (w.live) seen.liveEvents += r.events.length;
        else seen.resumedEvents += r.events.length;
      }
    }
    return undefined;
  } finally {
    await Promise.all(watches.map((w) => w.real.close()));
    hub.close();
    // A lease with keys would expire during a later run and move the shared server's revision.
    for (const id of granted) await client.apply({ kind: "leaseRevoke", leaseRevoke: { ID: id } });
  }
}

function note(kind: string, r: unknown): void {
  seen.steps++;
  const tag = `${kind}:${isEtcdError(r) ? r.error : "ok"}`;
  seen.byKind[tag] = (seen.byKind[tag] ?? 0) + 1;
  if (isEtcdError(r)) seen.errors.add(r.error);
  else if (kind === "compact") seen.compactions++;
  else if (kind === "txn") {
    seen.txns++;
    const t = (r as { txn: { succeeded: boolean; responses: object[] } }).txn;
    if (!t.succeeded) seen.failedCompares++;
    if (t.responses.some((x) => "responseTxn" in x)) seen.nestedTxns++;
  }
}

/** Waits until every real watch delivered as much as its simulated twin (responses when live, events otherwise). */
async function settle(step: number, watches: readonly WatchPair[], timeoutMs: number): Promise<Mismatch | undefined> {
  for (const w of watches) {
    const want = w.live ? w.sim.length : flatten(w.sim).length;
    const ok = await w.real.waitFor((rs) => (w.live ? rs.length : flatten(rs).length) >= want, timeoutMs);
    if (!ok)
      return {
        step,
        what: `watch: the real etcd delivered less within ${timeoutMs} ms`,
        request: w.request,
        sim: w.sim,
        real: w.real.responses,
      };
  }
  return undefined;
}

async function expectAgreement(
  spec: RunSpec,
  opts: RunOptions = { bugs: ["mvcc-watch-drop-on-compact"] },
): Promise<void> {
  const { client, tr } = await newRun();
  const m = await runDifferential(spec, client, tr, opts);
  if (m !== undefined) assert.unreachable(describeMismatch(m, spec));
}

// ---- generators ----

const KEYS = ["a", "b", "c", "ab", "ba", "d"];
const key = fc.constantFrom(...KEYS);
const keyMaybeEmpty = fc.oneof({ weight: 30, arbitrary: key }, { weight: 1, arbitrary: fc.constant("") });
/** Point (absent), "\0" (every key >= key), or an end that may fall before, inside or after the keys. */
const rangeEnd = fc.constantFrom("\0", "b", "c", "ab", "bb", "d", "z");
const value = fc.constantFrom("", "x", "y", "xy", "z");
const rev = fc.oneof(
  fc.constantFrom("c", "c-1", "c-2", "c-4", "c+1", "c+3"),
  fc.integer({ min: 1, max: 8 }).map(String),
);
const standaloneRev = fc.oneof(
  { weight: 6, arbitrary: rev },
  { weight: 1, arbitrary: fc.constantFrom("0", "-1", "-3") },
);
const lease: fc.Arbitrary<LeaseSpec> = fc.constantFrom("L0", "L1", "L2", "L?");
const bool = fc.boolean();

/** arb's value in `percent` % of the cases, else undefined (shrinks towards undefined). */
function sometimes<T>(arb: fc.Arbitrary<T>, percent: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: 100 - percent, arbitrary: fc.constant(undefined) }, { weight: percent, arbitrary: arb });
}

/** Drops the keys whose value is undefined (absent fields, as a client would leave them out). */
function defined<T extends object>(o: T): T {
  const out = { ...o };
  for (const k of Object.keys(out) as (keyof T)[]) if (out[k] === undefined) delete out[k];
  return out;
}

function rangeArb(standalone: boolean): fc.Arbitrary<RangeSpec> {
  return fc
    .record({
      key: standalone ? keyMaybeEmpty : key,
      rangeEnd: sometimes(rangeEnd, 50),
      limit: sometimes(fc.integer({ min: 0, max: 4 }), 33),
      revision: sometimes(standalone ? standaloneRev : rev, standalone ? 33 : 17),
      sortOrder: sometimes(fc.constantFrom("NONE" as const, "ASCEND" as const, "DESCEND" as const), 33),
      sortTarget: sometimes(
        fc.constantFrom("KEY" as const, "VERSION" as const, "CREATE" as const, "MOD" as const, "VALUE" as const),
        33,
      ),
      keysOnly: sometimes(bool, 20),
      countOnly: sometimes(bool, 20),
      serializable: sometimes(bool, 20),
      minModRevision: sometimes(rev, 12),
      maxModRevision: sometimes(rev, 12),
      minCreateRevision: sometimes(rev, 12),
      maxCreateRevision: sometimes(rev, 12),
    })
    .map(defined);
}

const putArb: fc.Arbitrary<PutSpec> = fc
  .record({
    key: keyMaybeEmpty,
    value,
    lease: sometimes(lease, 25),
    prevKv: sometimes(bool, 50),
    ignoreValue: sometimes(fc.constant(true), 12),
    ignoreLease: sometimes(fc.constant(true), 12),
    // Mostly send ignore_* well-formed (no value / no lease), so the state checks get exercised too.
    wellFormed: fc.integer({ min: 0, max: 3 }),
  })
  .map(({ wellFormed, ...p }) => {
    const out = defined(p);
    if (out.ignoreValue === true && wellFormed > 0) out.value = "";
    if (out.ignoreLease === true && wellFormed > 0) delete out.lease;
    return out;
  });

const deleteArb: fc.Arbitrary<DeleteSpec> = fc
  .record({ key: keyMaybeEmpty, rangeEnd: sometimes(rangeEnd, 50), prevKv: sometimes(bool, 50) })
  .map(defined);

const compareArb: fc.Arbitrary<CompareSpec> = fc
  .oneof(
    fc.record({
      key,
      rangeEnd: fc.option(rangeEnd, { nil: undefined }),
      target: fc.constantFrom("CREATE" as const, "MOD" as const),
      result: fc.constantFrom("EQUAL" as const, "GREATER" as const, "LESS" as const, "NOT_EQUAL" as const),
      rev: fc.oneof(rev, fc.constant("0")),
    }),
    fc.record({
      key,
      rangeEnd: fc.option(rangeEnd, { nil: undefined }),
      target: fc.constant("VERSION" as const),
      result: fc.constantFrom("EQUAL" as const, "GREATER" as const, "LESS" as const, "NOT_EQUAL" as const),
      version: fc.integer({ min: 0, max: 3 }),
    }),
    fc.record({
      key,
      rangeEnd: fc.option(rangeEnd, { nil: undefined }),
      target: fc.constant("VALUE" as const),
      result: fc.constantFrom("EQUAL" as const, "GREATER" as const, "LESS" as const, "NOT_EQUAL" as const),
      value,
    }),
    // Server lease IDs do not keep the simulation's order: order comparisons only against "no lease".
    fc.record({
      key,
      target: fc.constant("LEASE" as const),
      result: fc.constantFrom("EQUAL" as const, "NOT_EQUAL" as const),
      lease: fc.oneof(lease, fc.constant("0")),
    }),
    fc.record({
      key,
      target: fc.constant("LEASE" as const),
      result: fc.constantFrom("GREATER" as const, "LESS" as const),
      lease: fc.constant("0"),
    }),
  )
  .map((c) => {
    const out = { ...c } as CompareSpec;
    if (out.rangeEnd === undefined) delete out.rangeEnd;
    return out;
  });

function opArb(depth: number): fc.Arbitrary<OpSpec> {
  const inTxn = depth < 2;
  const choices: fc.WeightedArbitrary<OpSpec>[] = [
    { weight: 3, arbitrary: rangeArb(!inTxn).map((range) => ({ range })) },
    { weight: 5, arbitrary: (inTxn ? putArb.filter((p) => p.key !== "") : putArb).map((put) => ({ put })) },
    { weight: 2, arbitrary: (inTxn ? deleteArb.filter((d) => d.key !== "") : deleteArb).map((del) => ({ del })) },
  ];
  if (depth > 0) choices.push({ weight: inTxn ? 3 : 4, arbitrary: txnArb(depth - 1).map((txn) => ({ txn })) });
  return fc.oneof(...choices);
}

function txnArb(depth: number): fc.Arbitrary<TxnSpec> {
  return fc.record({
    compare: fc.array(compareArb, { maxLength: 2 }),
    success: fc.array(opArb(depth), { maxLength: 3 }),
    failure: fc.array(opArb(depth), { maxLength: 2 }),
  });
}

const watchRange = {
  key: fc.oneof({ weight: 3, arbitrary: key }, { weight: 1, arbitrary: fc.constant("\0") }),
  rangeEnd: sometimes(fc.oneof({ weight: 2, arbitrary: fc.constant("\0") }, { weight: 1, arbitrary: rangeEnd }), 75),
};
const watchFilters = sometimes(fc.constantFrom<("NOPUT" | "NODELETE")[]>(["NOPUT"], ["NODELETE"]), 25);
const liveWatchArb: fc.Arbitrary<WatchSpec> = fc
  // No progress_notify here: the server runs with a short progress interval for the test below,
  // and its notifications come on the server's clock.
  .record({
    ...watchRange,
    start: fc.constantFrom("0", "0", "c+1", "c+2"),
    filters: watchFilters,
    prevKv: sometimes(bool, 50),
  })
  .map(defined);
const resumeWatchArb: fc.Arbitrary<WatchSpec> = fc
  .record({
    ...watchRange,
    start: fc.oneof(rev, fc.constantFrom("1", "2")),
    filters: watchFilters,
    prevKv: sometimes(bool, 50),
  })
  .map(defined);

const stepArb: fc.Arbitrary<StepSpec> = fc.oneof(
  { weight: 10, arbitrary: opArb(2) },
  { weight: 2, arbitrary: rev.map((r) => ({ compact: r })) },
  {
    weight: 2,
    arbitrary: fc
      .record({ id: fc.constantFrom(0, 100, 100, 101), ttl: fc.constantFrom(30, 3600, 9_000_000_001) })
      .map((grant) => ({ grant })),
  },
  { weight: 1, arbitrary: lease.map((l) => ({ revoke: l })) },
  { weight: 1, arbitrary: lease.map((l) => ({ keepAlive: l })) },
  { weight: 2, arbitrary: liveWatchArb.map((watch) => ({ watch })) },
);

const runArb: fc.Arbitrary<RunSpec> = fc.record({
  steps: fc.array(stepArb, { minLength: 2, maxLength: 16 }),
  resume: fc.array(resumeWatchArb, { maxLength: 2 }),
});

// ---- the tests ----

if (availability.kind === "skipped") {
  console.log(`NOTE: ${availability.message}`);
  test.skip("differential tests against a real etcd");
} else if (availability.kind === "missing") {
  test("a real etcd is installed for the differential tests", () => {
    assert.unreachable(availability.message);
  });
} else {
  test.before(async () => {
    server = await startRealEtcd({
      extraArgs: [`--experimental-watch-progress-notify-interval=${PROGRESS_INTERVAL_MS}ms`],
    });
  });
  test.after(async () => {
    await server?.stop();
  });

  // These two need a server that was never compacted (etcd's compact revision starts at -1), so they run first.
  test("fresh server: a Txn read at revision -1 is served, at -2 it is compacted (FirstRev starts at -1)", async () => {
    await expectAgreement({
      steps: [
        { put: { key: "a", value: "x" } },
        { txn: { compare: [], success: [{ range: { key: "a", revision: "-1" } }], failure: [] } },
        { txn: { compare: [], success: [{ range: { key: "a", revision: "-2" } }], failure: [] } },
      ],
      resume: [],
    });
  });

  test("fresh server: Compact(0) succeeds once, then Compact(0) and negative Txn reads are compacted", async () => {
    const { client } = await newRun("fact");
    const store = new MvccStore();
    const term = client.lastRaftTerm;
    const reqs: EtcdRequest[] = [
      { kind: "compact", compact: { revision: 0 } },
      { kind: "compact", compact: { revision: 0 } },
      { kind: "txn", txn: { compare: [], success: [{ requestRange: { key: "a", revision: -1 } }], failure: [] } },
    ];
    for (const req of reqs) {
      const sim = store.apply(req, { raftTerm: term });
      const real = await client.apply(req);
      assert.ok(equal(sim, real), `${JSON.stringify(req)}: sim ${JSON.stringify(sim)} real ${JSON.stringify(real)}`);
    }
    assert.equal(store.compactRevision, 0);
  });

  test("random request sequences get the same responses and watch streams from the store as from etcd (fast-check, fixed seed)", async () => {
    const details = await fc.check(
      fc.asyncProperty(runArb, async (spec) => {
        const { client, tr } = await newRun();
        const m = await runDifferential(spec, client, tr, { bugs: ["mvcc-watch-drop-on-compact"] });
        if (m !== undefined) throw new Error(describeMismatch(m, spec));
      }),
      { seed: DIFF_SEED, numRuns: DIFF_RUNS },
    );
    // fast-check's own report, plus the mismatch of the shrunk counterexample.
    if (details.failed)
      assert.unreachable(`${fc.defaultReportMessage(details) ?? ""}\n${String(details.errorInstance)}`);
    console.log(`  exercised: ${JSON.stringify({ ...seen, errors: [...seen.errors].sort() })}`);
  });

  test("the random sequences reached every error kind, nested and failed Txns, compactions and watch cancels", () => {
    for (const e of [
      "compacted",
      "future-revision",
      "empty-key",
      "duplicate-key",
      "key-not-found",
      "lease-not-found",
      "value-provided",
      "lease-exists",
      "lease-ttl-too-large",
    ] as const) {
      assert.ok(seen.errors.has(e), `no generated request was answered ${e}`);
    }
    assert.ok(seen.nestedTxns > 0, "no nested Txn ran");
    assert.ok(seen.failedCompares > 0, "no Txn took its failure branch");
    assert.ok(seen.compactions > 0, "no compaction ran");
    assert.ok(seen.canceledWatches > 0, "no resumed watch was cancelled as compacted");
    assert.ok(seen.liveEvents > 0 && seen.resumedEvents > 0, "watches saw no events");
  });

  // Shrunk counterexample of the property (a live watch plus a resumed one on [c, c)).
  test("a watch on an empty range is answered created + canceled with watch ID -1, like etcd", async () => {
    await expectAgreement({
      steps: [{ watch: { key: "\0", start: "0" } }, { put: { key: "c", value: "1" } }],
      resume: [
        { key: "c", rangeEnd: "c", start: "1" },
        { key: "d", rangeEnd: "b", start: "1" },
      ],
    });
  });

  test("a put at a Txn delete's first key is a duplicate key; one at its range end is not", async () => {
    await expectAgreement({
      steps: [
        { put: { key: "a", value: "x" } },
        {
          txn: {
            compare: [],
            success: [{ del: { key: "a", rangeEnd: "c" } }, { put: { key: "a", value: "1" } }],
            failure: [],
          },
        },
        {
          txn: {
            compare: [],
            success: [{ del: { key: "a", rangeEnd: "c" } }, { put: { key: "c", value: "2" } }],
            failure: [],
          },
        },
        { range: { key: "a", rangeEnd: "d" } },
      ],
      resume: [],
    });
  });

  test('a put under a Txn delete with range end "\\0" is not a duplicate key in etcd 3.4', async () => {
    await expectAgreement({
      steps: [
        { put: { key: "a", value: "x" } },
        {
          txn: {
            compare: [],
            success: [{ put: { key: "b", value: "1" } }, { del: { key: "a", rangeEnd: "\0", prevKv: true } }],
            failure: [],
          },
        },
        {
          txn: {
            compare: [],
            success: [
              { del: { key: "a", rangeEnd: "\0" } },
              { put: { key: "b", value: "2" } },
              { range: { key: "b" } },
            ],
            failure: [],
          },
        },
        { range: { key: "a", rangeEnd: "\0" } },
      ],
      resume: [{ key: "\0", rangeEnd: "\0", start: "1", prevKv: true }],
    });
  });

  test("a key deleted and put again in one Txn keeps its value through a compaction at that revision, as in etcd 3.4.23; with etcd #22376's bug it is lost", async () => {
    const spec: RunSpec = {
      steps: [
        { put: { key: "a", value: "1" } },
        {
          txn: {
            compare: [],
            success: [{ del: { key: "a", rangeEnd: "\0", prevKv: true } }, { put: { key: "a", value: "2" } }],
            failure: [],
          },
        },
        { compact: "c" },
        { range: { key: "a" } },
        { range: { key: "a", rangeEnd: "\0" } },
      ],
      resume: [],
    };
    await expectAgreement(spec);
    const { client, tr } = await newRun();
    const m = await runDifferential(spec, client, tr, {
      bugs: ["mvcc-watch-drop-on-compact", "mvcc-compact-drops-recreated-key"],
    });
    assert.ok(m !== undefined, "with the mutant the simulated store was expected to lose a's value");
  });

  test("nested Txn compares all see the state before the Txn, and nested headers stay zero", async () => {
    await expectAgreement({
      steps: [
        { put: { key: "a", value: "x" } },
        {
          txn: {
            compare: [{ key: "a", target: "VALUE", result: "EQUAL", value: "x" }],
            success: [
              { put: { key: "a", value: "y" } },
              {
                txn: {
                  compare: [{ key: "a", target: "VALUE", result: "EQUAL", value: "x" }],
                  success: [{ range: { key: "a" } }],
                  failure: [{ put: { key: "b", value: "f" } }],
                },
              },
            ],
            failure: [],
          },
        },
      ],
      resume: [],
    });
  });

  test("sorting by a target other than KEY with sort order NONE sorts only the first limit+1 keys", async () => {
    await expectAgreement({
      steps: [
        { put: { key: "a", value: "z" } },
        { put: { key: "b", value: "y" } },
        { put: { key: "c", value: "x" } },
        { range: { key: "a", rangeEnd: "\0", limit: 1, sortTarget: "VALUE" } },
        { range: { key: "a", rangeEnd: "\0", limit: 1, sortTarget: "VALUE", sortOrder: "ASCEND" } },
        {
          range: { key: "a", rangeEnd: "\0", limit: 2, sortTarget: "VALUE", sortOrder: "DESCEND", maxModRevision: "c" },
        },
      ],
      resume: [],
    });
  });

  test("lease time-to-live lists the attached keys and the granted TTL like etcd; an unknown lease answers TTL -1", async () => {
    const { client } = await newRun();
    const store = new MvccStore();
    const reqs: EtcdRequest[] = [
      { kind: "leaseGrant", leaseGrant: { ID: 100, TTL: 3600 } },
      { kind: "put", put: { key: "b", value: "", lease: 100 } },
      { kind: "put", put: { key: "a", value: "", lease: 100 } },
      { kind: "put", put: { key: "c", value: "", lease: 100 } },
      { kind: "deleteRange", deleteRange: { key: "c" } },
    ];
    try {
      for (const req of reqs)
        assert.ok(
          equal(store.apply(req, { raftTerm: client.lastRaftTerm }), await client.apply(req)),
          JSON.stringify(req),
        );
      const sim = store.leaseTimeToLive({ ID: 100, keys: true }, client.lastRaftTerm);
      const real = await client.leaseTimeToLive(100, true);
      if (isEtcdError(real)) throw new Error(real.error);
      // The remaining TTL runs on the server's clock and etcd lists keys in Go map order; the rest must agree.
      assert.equal({ ...real, TTL: 0, keys: [...real.keys].sort() }, { ...sim, TTL: 0 });
      assert.ok(real.TTL > 3500 && real.TTL <= 3600);
      const unknown = await client.leaseTimeToLive(555);
      assert.equal(unknown, { ...store.leaseTimeToLive({ ID: 555 }, client.lastRaftTerm), ID: 555 });
    } finally {
      await client.apply({ kind: "leaseRevoke", leaseRevoke: { ID: 100 } });
    }
  });

  test("a quiet progress_notify watch hears the current revision on each progress tick, like etcd's periodic notification", async () => {
    const { client } = await newRun();
    const store = new MvccStore();
    const hub = new WatchHub(store);
    hub.raftTerm = client.lastRaftTerm;
    const sim: WatchResponse[] = [];
    const req: WatchCreateRequest = { key: "p", progressNotify: true };
    hub.openStream((r) => sim.push(r)).watch(req);
    const real = client.watch(req);
    try {
      assert.ok(await real.waitFor((rs) => rs.length >= 1, 3000), "no created response");
      for (const key of ["a", "b", "c"]) {
        const put = { kind: "put", put: { key, value: "" } } as const;
        assert.ok(equal(store.apply(put, { raftTerm: client.lastRaftTerm }), await client.apply(put)));
      }
      hub.progressTick();
      const isProgressAt = (r: WatchResponse, rev: number) =>
        r.events.length === 0 && r.created !== true && r.header.revision === rev;
      assert.ok(
        await real.waitFor((rs) => rs.some((r) => isProgressAt(r, store.revision)), 10 * PROGRESS_INTERVAL_MS),
        "etcd sent no progress notification",
      );
      assert.equal(
        sim.at(-1),
        real.responses.find((r) => isProgressAt(r, store.revision)),
      );
      assert.ok(
        real.responses.every((r) => r.events.length === 0),
        "no event for a key nobody wrote",
      );
    } finally {
      await real.close();
    }
  });

  test("etcd 3.4.23 tells a watch on a future revision of revisions below its start (#20221); the mutant does too, the store does not", async () => {
    const { client } = await newRun();
    const clean = new MvccStore();
    const buggy = new MvccStore();
    const hubs = [new WatchHub(clean), new WatchHub(buggy, { bugs: new BugSet(["mvcc-watch-progress-below-start"]) })];
    const sims: WatchResponse[][] = [[], []];
    const put = { kind: "put", put: { key: "a", value: "" } } as const;
    const applied = await client.apply(put);
    for (const st of [clean, buggy]) assert.ok(equal(st.apply(put, { raftTerm: client.lastRaftTerm }), applied));
    const req: WatchCreateRequest = { key: "p", startRevision: clean.revision + 3, progressNotify: true };
    hubs.forEach((hub, i) => {
      hub.raftTerm = client.lastRaftTerm;
      hub.openStream((r) => sims[i]!.push(r)).watch(req);
    });
    const real = client.watch(req);
    try {
      const isProgress = (r: WatchResponse) => r.events.length === 0 && r.created !== true;
      assert.ok(
        await real.waitFor((rs) => rs.some(isProgress), 10 * PROGRESS_INTERVAL_MS),
        "etcd sent no progress notification",
      );
      const notified = real.responses.find(isProgress)!;
      assert.is(notified.header.revision, clean.revision, "3.4.23 names its own revision, below the start");
      for (const hub of hubs) hub.progressTick();
      assert.equal(sims[1]!.at(-1), notified);
      assert.ok(
        sims[0]!.every((r) => !isProgress(r)),
        "the store names no revision below a watch's start",
      );
    } finally {
      await real.close();
    }
  });

  test("etcd 3.4.23 drops the delete at the compact revision from a resumed watch; the mutant reproduces it, the store does not", async () => {
    const spec: RunSpec = {
      steps: [
        { put: { key: "a", value: "1" } },
        { put: { key: "b", value: "1" } },
        { del: { key: "a" } },
        { compact: "c" },
        { put: { key: "b", value: "2" } },
      ],
      resume: [{ key: "\0", rangeEnd: "\0", start: "4", prevKv: true }],
    };
    // With the mutant the simulated hub agrees with the real server.
    await expectAgreement(spec, { bugs: ["mvcc-watch-drop-on-compact"] });
    // The fixed hub delivers the DELETE at revision 4, which the real server skips.
    const { client, tr } = await newRun();
    const m = await runDifferential(spec, client, tr, { bugs: [] });
    assert.ok(m !== undefined, "etcd 3.4.23 was expected to skip the delete (etcd #17529)");
    const simEvents = (m.sim as WatchResponse[]).flatMap((r) => r.events);
    const realEvents = (m.real as WatchResponse[]).flatMap((r) => r.events);
    assert.equal(
      simEvents.map((e) => `${e.type}@${e.kv.modRevision}`),
      ["DELETE@4", "PUT@5"],
    );
    assert.equal(
      realEvents.map((e) => `${e.type}@${e.kv.modRevision}`),
      ["PUT@5"],
    );
  });
}

test.run();
