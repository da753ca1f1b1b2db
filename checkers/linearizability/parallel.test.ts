// Partitions on worker threads: the verdict, the per-partition results and the evidence are the
// sequential check's, with 1, 2 or 3 threads.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkOperations } from "./engine.ts";
import { kvModel } from "./models/kv.ts";
import { checkOperationsParallel } from "./parallel.ts";
import { parsePorcupineKv } from "./parse/porcupine-kv.ts";
import { kvSeriesHistory } from "./series.ts";

const histories = [
  { clients: 10, keys: 6, operations: 1200, pending: 0.1, linearizable: true, seed: 7 },
  { clients: 10, keys: 6, operations: 1200, pending: 0.1, linearizable: false, seed: 8 },
  { clients: 5, keys: 3, operations: 600, pending: 0, linearizable: false, seed: 9 },
].map((s) => parsePorcupineKv(kvSeriesHistory({ model: "kv", ...s })));

test("kv histories get the same result with 1, 2 and 3 threads", async () => {
  for (const [i, ops] of histories.entries()) {
    const sequential = checkOperations(kvModel, ops);
    // a worker thread costs its start-up: every history on 2 threads, one on 1 and 3 as well
    for (const threads of i === 0 ? [1, 2, 3] : [2]) {
      const parallel = await checkOperationsParallel("kv", ops, { threads });
      assert.equal(parallel, sequential, `${threads} threads`);
    }
  }
  assert.equal(
    histories.map((ops) => checkOperations(kvModel, ops).verdict),
    ["ok", "illegal", "illegal"],
  );
});

test("a step budget that leaves partitions unknown gives the same result on threads", async () => {
  const ops = histories[0]!;
  const sequential = checkOperations(kvModel, ops, { maxSteps: 40 });
  assert.is(sequential.verdict, "unknown");
  assert.equal(await checkOperationsParallel("kv", ops, { threads: 2, maxSteps: 40 }), sequential);
});

test.run();
