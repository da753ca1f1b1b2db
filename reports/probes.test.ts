import { test } from "uvu";
import * as assert from "uvu/assert";
import { probeTable } from "../scenarios/probes.ts";
import { probeTableJson, probeTableText } from "./probes.ts";

test("the text table shows each hit probe with its count and seeds, then the never-hit ones (required flagged)", () => {
  const t = probeTable([{ "sim.swizzle-released": 2 }, { "sim.swizzle-released": 1, "mvcc.range-limit-more": 5 }]);
  const text = probeTableText(t, { perSeed: true });
  assert.match(text, /^probes: 2 of \d+ hit over 2 seeds/);
  assert.match(text, /sim\.swizzle-released\s+3\s+in\s+2 seeds/);
  assert.match(text, /never hit: .*etcd\.request-too-large \(required\)/);
  assert.match(text, /sim\.torn-write-on-crash(,|$)/);
});

test("the JSON form has every hit probe's hits and runs, and both never-hit lists", () => {
  const j = probeTableJson(probeTable([{ "sim.swizzle-released": 2 }])) as {
    runs: number;
    hits: Record<string, { hits: number; runs: number }>;
    neverHit: string[];
    requiredNeverHit: string[];
  };
  assert.is(j.runs, 1);
  assert.equal(j.hits["sim.swizzle-released"], { hits: 2, runs: 1 });
  assert.ok(j.neverHit.includes("etcd.request-too-large") && j.requiredNeverHit.includes("etcd.request-too-large"));
  assert.not.ok(j.requiredNeverHit.includes("sim.torn-write-on-crash"));
});

test.run();
