// kube-watch-leaks on hand-made accounts of what apiservers hold: each etcd watch serving a Kubernetes
// watch passes; an etcd watch serving none, or a served watch whose etcd watch is closed, fails.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { checkWatchLeaks } from "./watch-leaks.ts";

const served = (...pairs: [string, number | undefined][]) =>
  pairs.map(([watch, etcdWatchId]) => ({ watch, etcdWatchId }));

test("every etcd watch serving one Kubernetes watch passes, across apiservers", () => {
  const r = checkWatchLeaks([
    { apiserver: "apiserver-1", served: served(["kcm-1|a:1", 11], ["node-1|b:4", 12]), etcdOpen: [12, 11] },
    { apiserver: "apiserver-2", served: [], etcdOpen: [] },
  ]);
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, "2 etcd watches held by 2 live apiservers");
});

test("an etcd watch that serves no Kubernetes watch is a leak", () => {
  const r = checkWatchLeaks([{ apiserver: "apiserver-1", served: served(["kcm-1|a:1", 11]), etcdOpen: [11, 12, 13] }]);
  assert.is(r.verdict, "fail");
  assert.match(r.message, "apiserver-1 holds 2 etcd watches serving no Kubernetes watch (12, 13)");
});

test("a Kubernetes watch served from a closed etcd watch, or from none, fails", () => {
  const closed = checkWatchLeaks([{ apiserver: "apiserver-2", served: served(["node-2|c:7", 21]), etcdOpen: [] }]);
  assert.is(closed.verdict, "fail");
  assert.match(closed.message, "apiserver-2 serves watch node-2|c:7 from etcd watch 21, which is closed");
  const none = checkWatchLeaks([{ apiserver: "apiserver-2", served: served(["node-2|c:7", undefined]), etcdOpen: [] }]);
  assert.is(none.verdict, "fail");
  assert.match(none.message, "from no etcd watch");
});

test("an apiserver whose etcd client cannot list its watches is not judged", () => {
  const r = checkWatchLeaks([{ apiserver: "apiserver-1", served: served(["kcm-1|a:1", 11]), etcdOpen: undefined }]);
  assert.is(r.verdict, "pass");
  assert.match(r.message, "not judged");
  assert.is(checkWatchLeaks(undefined).verdict, "pass");
});

test.run();
