// The watch hub's send loop (WatchHubOptions.sendLoop): responses leave in order when the loop runs,
// and prev_kv is read then, as etcd's sendLoop reads it — so a compaction applied between the event
// and the loop leaves a delete without prev_kv. Without the option, prev_kv is read as the event is made.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { probeCounts, resetProbes } from "../probes.ts";
import type { WatchResponse } from "./rpc.ts";
import { MvccStore } from "./store.ts";
import { ok } from "../../testing/mvcc/test-util.ts";
import { WatchHub } from "./watch.ts";

function setup(withSendLoop: boolean) {
  const store = new MvccStore();
  const drains: (() => void)[] = [];
  const hub = new WatchHub(store, withSendLoop ? { sendLoop: (drain) => void drains.push(drain) } : {});
  const got: WatchResponse[] = [];
  const stream = hub.openStream((r) => got.push(r));
  /** Runs the send loop once, as the member's zero-delay timer does after the apply batch. */
  const runLoop = () => {
    for (const d of drains.splice(0)) d();
  };
  return { store, hub, stream, got, runLoop, drains };
}

const describe = (rs: readonly WatchResponse[]): string[] =>
  rs.map((r) =>
    r.created
      ? `created@${r.header.revision}`
      : r.events.length === 0
        ? `progress@${r.header.revision}`
        : r.events
            .map((e) => `${e.type} ${e.kv.key}@${e.kv.modRevision}${e.prevKv ? ` prev=${e.prevKv.value}` : ""}`)
            .join(", "),
  );

test("without a send loop, prev_kv is read as the event is made: a later compaction does not remove it", () => {
  const { store, stream, got } = setup(false);
  store.put({ key: "a", value: "1" }); // rev 2
  stream.watch({ key: "a", prevKv: true });
  store.deleteRange({ key: "a" }); // rev 3
  store.put({ key: "b", value: "x" }); // rev 4
  ok(store.compact({ revision: 4 }));
  assert.equal(describe(got), ["created@2", "DELETE a@3 prev=1"]);
});

test("with a send loop, nothing leaves until the loop runs; then every response goes, in order", () => {
  const { store, stream, got, runLoop, drains } = setup(true);
  store.put({ key: "a", value: "1" }); // rev 2
  stream.watch({ key: "a", prevKv: true, progressNotify: true });
  store.put({ key: "a", value: "2" }); // rev 3
  stream.requestProgress();
  store.put({ key: "a", value: "3" }); // rev 4
  assert.equal(got, [], "queued");
  assert.is(drains.length, 1, "one turn of the loop scheduled for the whole batch");
  runLoop();
  assert.equal(describe(got), ["created@2", "PUT a@3 prev=1", "progress@3", "PUT a@4 prev=2"]);
});

test("with a send loop, a compaction applied before the loop runs drops a delete's prev_kv (etcd's sendLoop reads it late)", () => {
  const { store, stream, got, runLoop } = setup(true);
  store.put({ key: "a", value: "1" }); // rev 2
  stream.watch({ key: "a", prevKv: true });
  runLoop();
  store.deleteRange({ key: "a" }); // rev 3: prev_kv is a@2
  store.put({ key: "b", value: "x" }); // rev 4
  ok(store.compact({ revision: 4 })); // revision 2 is gone before the delete's response leaves
  resetProbes();
  runLoop();
  assert.equal(describe(got), ["created@2", "DELETE a@3"]);
  assert.ok((probeCounts().get("mvcc.watch-prev-kv-compacted-before-send") ?? 0) > 0);

  // Without a compaction in between, the late read still finds prev_kv.
  store.put({ key: "a", value: "4" }); // rev 5 (a create: no prev_kv)
  store.deleteRange({ key: "a" }); // rev 6
  runLoop();
  assert.equal(describe(got).slice(2), ["PUT a@5", "DELETE a@6 prev=4"]);
});

test("a stream closed while its responses wait in the send loop sends nothing; closing the hub drops the queue", () => {
  const { store, hub, stream, got, runLoop } = setup(true);
  stream.watch({ key: "a", prevKv: true });
  store.put({ key: "a", value: "1" });
  stream.close();
  runLoop();
  assert.equal(got, []);
  const other = hub.openStream((r) => got.push(r));
  other.watch({ key: "a" });
  hub.close();
  runLoop();
  assert.equal(got, []);
});

test.run();
