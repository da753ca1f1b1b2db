// prepareEtcdHistory's ordering shortcuts: a call-ordered history is not re-sorted and the lease
// expiries are merged in, which must give exactly the order a stable sort of everything gave.
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { Rng } from "../../../../sim/rng.ts";
import { workloadHistory } from "../../generators.ts";
import { mergeByCall, prepareEtcdHistory } from "./prepare.ts";

test("mergeByCall equals a stable sort by call of the two lists concatenated", () => {
  const entry = fc.record({ call: fc.integer({ min: 0, max: 6 }), tag: fc.nat() });
  const sorted = fc.array(entry, { maxLength: 20 }).map((xs) => [...xs].sort((a, b) => a.call - b.call));
  fc.assert(
    fc.property(sorted, sorted, (first, second) => {
      const a = first.map((x) => ({ ...x, from: 1 }));
      const b = second.map((x) => ({ ...x, from: 2 }));
      const expected = [...a, ...b].sort((x, y) => x.call - y.call);
      assert.equal(mergeByCall(a, b), expected);
    }),
  );
});

test("mergeByCall returns a fresh array", () => {
  const a = [{ call: 1 }];
  const merged = mergeByCall(a, []);
  assert.equal(merged, a);
  assert.is.not(merged, a);
});

test("a history given out of call order prepares exactly as the call-ordered one (expiries included)", () => {
  const history = workloadHistory(new Rng(5), { operations: 400, clients: 5, keys: 8, timeoutRate: 0.05 });
  const ordered = prepareEtcdHistory(history);
  assert.ok(ordered.operations.some((o) => o.input.kind === "expire"));
  assert.equal(prepareEtcdHistory([...history].reverse()), ordered);
});

test.run();
