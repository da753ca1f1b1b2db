// checkTxn's verdict cache is bounded and invisible: the same verdicts (and probe counts) whether a
// request is cached, evicted or checked with another --max-txn-ops.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { probeCounts, resetProbes } from "../probes.ts";
import { cachedTxnVerdicts, checkTxn, TXN_VERDICT_GENERATION } from "./checks.ts";
import type { TxnRequest } from "./rpc.ts";

const put = (key: string) => ({ requestPut: { key, value: "v" } });
const txn = (keys: string[]): TxnRequest => ({ compare: [], success: keys.map(put), failure: [] });

test("txn verdict cache: bounded, same verdicts after eviction and per --max-txn-ops", () => {
  const dup = txn(["/a", "/a"]);
  const big = txn(["/a", "/b", "/c"]);
  const fine = txn(["/a", "/b"]);
  assert.is(checkTxn(dup), "duplicate-key");
  assert.is(checkTxn(fine), undefined);
  assert.is(checkTxn(big, 2), "too-many-ops");
  assert.is(checkTxn(big), undefined); // the same object, another limit: checked afresh
  for (let i = 0; i < TXN_VERDICT_GENERATION * 3 + 1; i++) checkTxn(txn([`/k/${i}`]));
  assert.ok(cachedTxnVerdicts() <= 2 * TXN_VERDICT_GENERATION, `${cachedTxnVerdicts()} cached`);
  resetProbes();
  assert.is(checkTxn(dup), "duplicate-key");
  assert.is(checkTxn(fine), undefined);
  assert.is(checkTxn(big, 2), "too-many-ops");
  assert.is(checkTxn(big, 2), "too-many-ops");
  // The probe counts every refusal, cached or not.
  assert.is(probeCounts().get("mvcc.txn-too-many-ops"), 2);
});

test.run();
