import { test } from "uvu";
import * as assert from "uvu/assert";
import type { EtcdRequest } from "../../core/mvcc/rpc.ts";
import type { EtcdOperation } from "../history.ts";
import { WriteOnce } from "./write-once.ts";

const MS = 1000;
const put = (key: string, value: string, ignoreValue = false): EtcdRequest => ({
  kind: "put",
  put: { key, value, ...(ignoreValue ? { ignoreValue } : {}) },
});
const txnPut = (key: string, value: string): EtcdRequest => ({
  kind: "txn",
  txn: {
    compare: [],
    success: [{ requestTxn: { compare: [], success: [{ requestPut: { key, value } }], failure: [] } }],
    failure: [],
  },
});
const entry = (request: EtcdRequest) => ({ op: "kv", origin: "n1", reqId: "r", request });

function op(id: number, request: EtcdRequest, ret: number | null = 50 * MS): EtcdOperation {
  return { id, client: 1, call: 10 * MS, return: ret, request, response: null };
}

/** Applies the entries in order, every one moving the revision unless listed in `unchanged`. */
function applyAll(w: WriteOnce, requests: EtcdRequest[], unchanged: number[] = []): void {
  let revision = 1;
  requests.forEach((r, i) => {
    if (!unchanged.includes(i)) revision++;
    w.onApply({ index: i + 1, payload: entry(r), revision, time: (i + 1) * 100 * MS });
  });
}

test("every client's put committed once passes; a second member's apply of the same index is not a second entry", () => {
  const w = new WriteOnce();
  applyAll(w, [put("/a", "c1-1"), put("/b", "c1-2")]);
  w.onApply({ index: 1, payload: entry(put("/a", "c1-1")), revision: 2, time: 400 * MS }); // a follower catching up
  const r = w.result([op(0, put("/a", "c1-1")), op(1, put("/b", "c1-2"))]);
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, "2 committed writes");
});

test("one request's put committed by two entries fails, naming the request and both indexes", () => {
  const w = new WriteOnce();
  applyAll(w, [put("/a", "c1-1"), put("/b", "c2-1"), put("/a", "c1-1")]);
  const r = w.result([op(0, put("/a", "c1-1"), null), op(1, put("/b", "c2-1"))]);
  assert.is(r.verdict, "fail");
  assert.match(r.message, "client 1's put (call 10.0 ms, no answer) took effect twice");
  assert.match(r.message, "committed at index 1 (100.0 ms) and again at index 3 (300.0 ms)");
});

test("a put nested in a Txn counts as the Txn's, and is found in the history's Txn", () => {
  const w = new WriteOnce();
  applyAll(w, [txnPut("/a", "c1-1"), txnPut("/a", "c1-1")]);
  const r = w.result([op(0, txnPut("/a", "c1-1"))]);
  assert.is(r.verdict, "fail");
  assert.match(r.message, "client 1's txn");
});

test("an entry that changed nothing (refused at apply) is no second write, and neither is an ignore_value put", () => {
  const w = new WriteOnce();
  applyAll(w, [put("/a", "c1-1"), put("/a", "c1-1"), put("/a", "c1-1", true)], [1]);
  const r = w.result([op(0, put("/a", "c1-1")), op(1, put("/a", "c1-1", true))]);
  assert.is(r.verdict, "pass", r.message);
});

test("the same bytes written by two requests, or by none recorded, are not judged", () => {
  const w = new WriteOnce();
  applyAll(w, [put("/a", "same"), put("/a", "same"), put("/b", "x"), put("/b", "x")]);
  const r = w.result([op(0, put("/a", "same")), op(1, put("/a", "same"))]);
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, "2 values written by several requests, or by none recorded, not judged");
});

test("a value is remembered for the window only: a second write of it long after is not seen", () => {
  const w = new WriteOnce({ windowUs: 150 * MS });
  applyAll(w, [put("/a", "c1-1"), put("/b", "c1-2"), put("/a", "c1-1")]); // 200 ms apart
  assert.is(w.result([op(0, put("/a", "c1-1"))]).verdict, "pass");
  const wide = new WriteOnce({ windowUs: 250 * MS });
  applyAll(wide, [put("/a", "c1-1"), put("/b", "c1-2"), put("/a", "c1-1")]);
  assert.is(wide.result([op(0, put("/a", "c1-1"))]).verdict, "fail");
});

test.run();
