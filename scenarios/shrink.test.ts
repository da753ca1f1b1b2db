import { test } from "uvu";
import * as assert from "uvu/assert";
import { shrinkFailure } from "./shrink.ts";
import type { ScenarioDef } from "./types.ts";
import type { FaultEvent } from "../sim/nemesis.ts";

/** A toy scenario that fails when a crash of p2 lasts over 50 ms while at least 2 clients run. */
const toy: ScenarioDef = {
  name: "toy",
  description: "fails on a long crash of p2 with >= 2 clients",
  resolve: () => ({ clients: 8 }),
  schedule: () => {
    const fs: FaultEvent[] = [];
    for (let i = 0; i < 10; i++)
      fs.push({
        at: i * 100_000,
        until: i * 100_000 + 200_000,
        kind: i % 3 === 0 ? "crash" : "pause",
        target: i === 6 ? "p2" : "p1",
      });
    return fs;
  },
  execute: ({ options, faults }) => {
    const bad =
      (options.clients as number) >= 2 &&
      faults.some((f) => f.kind === "crash" && f.target === "p2" && (f.until ?? f.at) - f.at > 50_000);
    return {
      checks: [{ name: "toy", verdict: bad ? "fail" : "pass", message: bad ? "long crash of p2" : "ok" }],
      traceHash: "0",
      stats: { events: 0, messages: 0, ops: 0, simTimeMs: 0 },
    };
  },
  shrinkKnobs: [{ name: "clients", min: 1, get: (o) => o.clients as number, set: (o, v) => ({ ...o, clients: v }) }],
};

test("shrinking keeps only the fault that matters, the shortest failing window and the smallest size", () => {
  const r = shrinkFailure({ scenario: toy, seed: 1, bugs: [] });
  if ("notFailing" in r) throw new Error("expected a failure");
  assert.is(r.before.faults, 10);
  assert.is(r.after.faults, 1);
  const f = r.replay.faults[0]!;
  assert.is(f.kind, "crash");
  assert.ok(f.kind === "crash" && f.target === "p2");
  assert.ok(f.until! - f.at > 50_000 && f.until! - f.at <= 60_000, `window ${f.until! - f.at}`);
  assert.is(r.after.knobs.clients, 2);
  assert.is(r.final.verdict, "fail");
});

test("a passing seed is reported as nothing to shrink", () => {
  const passing: ScenarioDef = { ...toy, schedule: () => [] };
  const r = shrinkFailure({ scenario: passing, seed: 1, bugs: [] });
  assert.ok("notFailing" in r);
});

test("shrinking is deterministic and bounded by its evaluation budget", () => {
  const a = shrinkFailure({ scenario: toy, seed: 3, bugs: [], maxEvaluations: 15 });
  const b = shrinkFailure({ scenario: toy, seed: 3, bugs: [], maxEvaluations: 15 });
  if ("notFailing" in a || "notFailing" in b) throw new Error("expected a failure");
  assert.ok(a.evaluations <= 15);
  assert.equal(a.replay, b.replay);
});

test.run();
