// Property-based CI over the operator's levers: fast-check draws an etcd scenario, a seed and options an
// operator may set (within the schema) far from the scenario's own — cluster size, Raft batching and
// snapshots, request kinds, limits, compaction, leases, watches, the network, disks, the fault mix — and the
// clean build must pass every check. A failure is shrunk to the fewest options that still fail it, with
// the seed; the runs the first such fuzz failed are kept in option-fuzz.test.ts.
import { test } from "uvu";
import fc from "fast-check";
import { BUGGIFY_SITE_NAMES } from "../../core/buggify.ts";
import { FAULT_KINDS } from "../../sim/nemesis.ts";
import { findScenario } from "../registry.ts";
import { resolveRun, runScenario } from "../runner.ts";
import { validateOptions } from "../schema/file.ts";
import { TRAFFIC } from "../schema/options.ts";
import { UsageError } from "../types.ts";

const SCENARIOS = [
  "smoke",
  "kv-chaos",
  "kv-partition",
  "kv-crash",
  "leader-isolation",
  "lease-sessions",
  "lease-checkpoints",
  "clock-skew",
  "watch-compaction",
  "auth-revoke",
] as const;
// Every request kind the workload sends, but keyspace rewrites: the schema refuses them where a control
// plane shares the keyspace (watch-compaction).
const REQUESTS = [...TRAFFIC.filter((k) => k !== "rewrite"), "leaseTimeToLive"] as const;

const levers = fc.record(
  {
    members: fc.constantFrom(1, 2, 3, 5, 7),
    clients: fc.integer({ min: 1, max: 8 }),
    keys: fc.integer({ min: 1, max: 30 }),
    traffic: fc.dictionary(fc.constantFrom(...REQUESTS), fc.integer({ min: 0, max: 12 }), { maxKeys: 6 }),
    compaction: fc.boolean(),
    compactEveryUs: fc.integer({ min: 50_000, max: 1_000_000 }),
    compactLag: fc.integer({ min: 0, max: 40 }),
    electionTicks: fc.integer({ min: 8, max: 30 }),
    maxInflight: fc.integer({ min: 1, max: 8 }),
    maxEntriesPerMsg: fc.integer({ min: 1, max: 4 }),
    leaderSendsBeforeSync: fc.boolean(),
    snapshotEvery: fc.integer({ min: 1, max: 40 }),
    leaseTtlSec: fc.integer({ min: 1, max: 5 }),
    leaseCheckpointIntervalUs: fc.integer({ min: 0, max: 500_000 }),
    authTokenTtlUs: fc.integer({ min: 100_000, max: 2_000_000 }),
    thinkUs: fc.integer({ min: 5_000, max: 100_000 }),
    faultPhaseUs: fc.integer({ min: 1_000_000, max: 3_000_000 }),
    mix: fc.record(
      {
        meanGapUs: fc.integer({ min: 100_000, max: 800_000 }),
        weights: fc.dictionary(
          fc.constantFrom(...FAULT_KINDS.filter((k) => k !== "container-kill")),
          fc.integer({ min: 1, max: 5 }),
          { minKeys: 1, maxKeys: 5 },
        ),
        diskFaults: fc.boolean(),
        maxSkewUs: fc.integer({ min: 0, max: 5_000_000 }),
      },
      { requiredKeys: [] },
    ),
    latencyUs: fc.integer({ min: 0, max: 2_000 }),
    jitterUs: fc.integer({ min: 0, max: 2_000 }),
    // Up to 2%: more, with a control plane on the cluster (watch-compaction), its informers relist past the 10 s bound.
    lossP: fc.double({ min: 0, max: 0.02, noNaN: true }),
    watchBacklog: fc.integer({ min: 1, max: 10 }),
    watchFilterP: fc.double({ min: 0, max: 1, noNaN: true }),
    watchRangeP: fc.double({ min: 0, max: 1, noNaN: true }),
    buggify: fc.subarray([...BUGGIFY_SITE_NAMES]),
    watchBatchMaxRevs: fc.integer({ min: 1, max: 5 }),
    listLimit: fc.integer({ min: 0, max: 5 }),
    txnMaxOps: fc.integer({ min: 1, max: 5 }),
    maxTxnOps: fc.integer({ min: 1, max: 4 }),
    disk: fc.record({ profile: fc.constantFrom("nvme", "ssd", "hdd", "noisy-neighbour") }),
  },
  { requiredKeys: [] },
);

const bad = (field: string, what: string) => new UsageError(`${field} ${what}`);

test("the clean build passes every check for any options an operator may set", () => {
  fc.assert(
    fc.property(fc.constantFrom(...SCENARIOS), fc.integer({ min: 1, max: 1_000_000 }), levers, (name, seed, given) => {
      const def = findScenario(name)!;
      let options: ReturnType<typeof validateOptions>;
      try {
        options = validateOptions(resolveRun(def, seed).options, given, bad);
      } catch (e) {
        // Options the schema refuses (a network too slow for the election timeout, say) are not a run.
        if (e instanceof UsageError) return fc.pre(false);
        throw e;
      }
      const result = runScenario({ scenario: def, seed, options });
      if (result.verdict !== "pass")
        throw new Error(
          `${name} seed ${seed}: ${result.checks
            .filter((c) => c.verdict !== "pass")
            .map((c) => `${c.name}: ${c.message}`)
            .join(" | ")}`,
        );
    }),
    { numRuns: 120, seed: 20261206 },
  );
});

test.run();
