// Property: streams a reference watch server produces from random histories pass; one random
// mutation of one stream (drop, duplicate, reorder, split, fake progress, flip is_create, wrong
// prev_kv) fails, naming the guarantee it breaks. FC_SEED=n reruns with another fast-check seed.
import fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkWatches } from "./check.ts";
import { EXPECTED, MUTATIONS, generateScenario, mutate } from "./stream-model.ts";
import type { WatchEvidence } from "./types.ts";

const fcSeed = Number(process.env["FC_SEED"] ?? 20240611);
const seeds = fc.integer({ min: 0, max: 0xffffffff });

test("streams generated correctly from random change histories pass", () => {
  let watches = 0;
  let events = 0;
  /** Revisions changing a key twice (a from-key delete's). */
  let twice = 0;
  fc.assert(
    fc.property(seeds, (seed) => {
      const s = generateScenario(seed);
      const r = checkWatches(s);
      if (r.verdict !== "pass") throw new Error(`seed ${seed}: ${r.message}`);
      const ev = r.evidence as WatchEvidence;
      watches += ev.watches;
      events += ev.events;
      for (const c of s.changes) if (new Set(c.events.map((e) => e.kv.key)).size < c.events.length) twice++;
    }),
    { numRuns: 400, seed: fcSeed },
  );
  // The generator is not vacuous: it delivers events, not just empty streams.
  assert.ok(events > watches, `${events} events over ${watches} watches`);
  assert.ok(twice > 100, `only ${twice} revisions changed a key twice`);
});

test("one random mutation of a correct stream fails, naming the guarantee it breaks", () => {
  const applied = new Map<string, number>();
  fc.assert(
    fc.property(seeds, fc.constantFrom(...MUTATIONS), fc.nat(), (seed, m, pick) => {
      const s = generateScenario(seed);
      const target = s.watches.findIndex((w) => mutate(w, m, pick) !== undefined);
      fc.pre(target >= 0);
      const watches = s.watches.map((w, i) => (i === target ? mutate(w, m, pick)! : w));
      const r = checkWatches({ ...s, watches });
      const found = new Set((r.evidence as WatchEvidence).violations.map((v) => v.guarantee));
      if (r.verdict !== "fail") throw new Error(`seed ${seed}, ${m}: mutation passed`);
      if (!EXPECTED[m].some((g) => found.has(g)))
        throw new Error(`seed ${seed}, ${m}: reported ${[...found].join(", ")}: ${r.message}`);
      applied.set(m, (applied.get(m) ?? 0) + 1);
    }),
    { numRuns: 500, seed: fcSeed },
  );
  for (const m of MUTATIONS)
    assert.ok((applied.get(m) ?? 0) >= 10, `mutation ${m} applied only ${applied.get(m) ?? 0} times`);
});

test.run();
