// Property-based CI over the whole system: fast-check draws scenario options (cluster size, clients,
// keys, BUGGIFY points), a workload size and an explicit fault schedule; the clean build must pass
// every check. A failure is reported shrunk to a minimal (options, schedule) with its seed.
import { BUGGIFY_SITE_NAMES } from "../../core/buggify.ts";
import { test } from "uvu";
import fc from "fast-check";
import { runScenario, resolveRun } from "../runner.ts";
import { smoke } from "./scenarios.ts";
import type { FaultEvent } from "../../sim/nemesis.ts";

const base = resolveRun(smoke, 1).options;

const faultArb = (members: number) =>
  fc
    .record({
      kind: fc.constantFrom("crash", "pause", "partition", "isolate", "loss", "clog", "skew", "duplicate"),
      at: fc.integer({ min: 100, max: 2_200 }),
      durMs: fc.integer({ min: 20, max: 800 }),
      target: fc.integer({ min: 1, max: members }),
      other: fc.integer({ min: 1, max: members }),
    })
    .map(({ kind, at, durMs, target, other }): FaultEvent => {
      const a = at * 1000,
        until = a + durMs * 1000,
        t = `n${target}`,
        o = `n${other}`;
      switch (kind) {
        case "crash":
          return { at: a, until, kind, target: t, disk: "torn" };
        case "pause":
          return { at: a, until, kind, target: t };
        case "partition":
          return {
            at: a,
            until,
            kind,
            groups: [[t], Array.from({ length: members }, (_, i) => `n${i + 1}`).filter((m) => m !== t)],
          };
        case "isolate":
          return { at: a, until, kind, target: t };
        case "loss":
          return { at: a, until, kind, p: 0.2 };
        case "clog":
          return { at: a, until, kind, from: t, to: o };
        case "skew":
          return { at: a, until, kind, target: t, byUs: 1_500_000 };
        default:
          return { at: a, until, kind: "duplicate", p: 0.2 };
      }
    });

const runArb = fc.constantFrom(1, 3, 5).chain((members) =>
  fc.record({
    members: fc.constant(members),
    clients: fc.integer({ min: 1, max: 4 }),
    keys: fc.integer({ min: 1, max: 6 }),
    buggify: fc.subarray(BUGGIFY_SITE_NAMES),
    seed: fc.integer({ min: 1, max: 1_000_000 }),
    faults: fc.array(faultArb(members), { maxLength: 6 }),
  }),
);

test("the clean build passes every check for any drawn options and fault schedule", () => {
  fc.assert(
    fc.property(runArb, (r) => {
      const options = {
        ...base,
        members: r.members,
        clients: r.clients,
        keys: r.keys,
        buggify: r.buggify,
        faultPhaseUs: 2_500_000,
      };
      const result = runScenario({ scenario: smoke, seed: r.seed, options, faults: r.faults });
      if (result.verdict !== "pass")
        throw new Error(
          `${result.checks
            .filter((c) => c.verdict !== "pass")
            .map((c) => `${c.name}: ${c.message}`)
            .join(" | ")}`,
        );
    }),
    { numRuns: 40, seed: 20261125, endOnFailure: true },
  );
});

test.run();
