// kube-informer-reliable on hand-made logs: a stream that delivers every change passes; one that skips
// a change between two of its events fails; a relist (even an empty one) starts the stream over from its
// revision, and is itself one snapshot.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { InformerObservation, KubeObservations, ObjectVersion } from "../../core/kube/observations.ts";
import { checkInformerStreams } from "./index.ts";
import { prefixOf } from "./informer.ts";
import { kubeLog } from "../../testing/kube/observations.ts";

const log = (o: Partial<KubeObservations>): KubeObservations => kubeLog({ nodes: ["node-1"], ...o });
const pod = (name: string) => `/registry/pods/default/${name}`;
const v = (key: string, rv: number): ObjectVersion => ({ time: rv, key, rv, object: null, source: "store" });
const ev = (
  observer: string,
  key: string,
  rv: number,
  event: InformerObservation["event"] = "MODIFIED",
): InformerObservation => ({ time: rv * 10, observer, key, rv, event });

// Pods changed at 5, 6 (two pods), 8; a ReplicaSet at 7 (another kind: not the pod informer's business).
const versions = [
  v(pod("a"), 5),
  v(pod("a"), 6),
  v(pod("b"), 6),
  v("/registry/replicasets/default/rs", 7),
  v(pod("b"), 8),
];

test("informer reliable: a pod informer that saw 5, 6, 6, 8 passes; one that went from 6 to 8 past nothing of its kind passes too", () => {
  const all = checkInformerStreams(
    log({
      versions,
      observed: [
        ev("k/Pod", pod("a"), 5),
        ev("k/Pod", pod("a"), 6),
        ev("k/Pod", pod("b"), 6),
        ev("k/Pod", pod("b"), 8),
      ],
    }),
  );
  assert.is(all.verdict, "pass", all.message);
});

test("informer reliable: a stream that skips a change of its kind fails, naming the change", () => {
  const r = checkInformerStreams(log({ versions, observed: [ev("k/Pod", pod("a"), 5), ev("k/Pod", pod("b"), 8)] }));
  assert.is(r.verdict, "fail");
  assert.match(
    r.message,
    "k/Pod missed /registry/pods/default/a at rv 6: its watch delivered rv 5 (0.000s) and then rv 8 (0.000s)",
  );
});

test("informer reliable: a relist between the two events starts over, even when the list is empty", () => {
  const relist = ev("k/Pod", "/registry/pods/", 7, "LIST");
  const r = checkInformerStreams(
    log({ versions, observed: [ev("k/Pod", pod("a"), 5), relist, ev("k/Pod", pod("b"), 8)] }),
  );
  assert.is(r.verdict, "pass", r.message);
});

test("informer reliable: a list is one snapshot: an object it returns must be its key's version at the list's revision", () => {
  const listAt7 = (aRv: number) =>
    checkInformerStreams(
      log({
        versions,
        observed: [
          ev("k/Pod", "/registry/pods/", 7, "LIST"),
          ev("k/Pod", pod("a"), aRv, "LIST"),
          ev("k/Pod", pod("b"), 6, "LIST"),
        ],
      }),
    );
  assert.is(listAt7(6).verdict, "pass", listAt7(6).message);
  const stale = listAt7(5); // a page read before pod a changed at 6, in a list that claims revision 7
  assert.is(stale.verdict, "fail");
  assert.match(
    stale.message,
    "k/Pod listed /registry/pods/default/a at rv 5 in a list at rv 7 (0.000s), but it had changed at rv 6",
  );
});

test("informer reliable: the watch after a list starts at the list's revision, so its first event is held to it", () => {
  const from = (listRv: number) =>
    checkInformerStreams(
      log({ versions, observed: [ev("k/Pod", "/registry/pods/", listRv, "LIST"), ev("k/Pod", pod("b"), 8)] }),
    );
  assert.is(from(7).verdict, "pass", from(7).message);
  assert.match(from(5).message, "k/Pod missed /registry/pods/default/a at rv 6: its watch delivered rv 5");
});

test("informer reliable: a relist below the newest revision its informer had seen goes back in time", () => {
  const relistAt = (rv: number) =>
    checkInformerStreams(
      log({
        versions,
        observed: [
          ev("k/Pod", "/registry/pods/", 6, "LIST"),
          ev("k/Pod", pod("b"), 8),
          ev("k/Pod", "/registry/pods/", rv, "LIST"),
          ev("k/Pod", pod("a"), 6, "LIST"),
          ev("k/Pod", pod("b"), rv >= 8 ? 8 : 6, "LIST"),
        ],
      }),
    );
  assert.is(relistAt(8).verdict, "pass", relistAt(8).message);
  const back = relistAt(7); // a lagging watch cache's state, older than the event at 8 the informer had
  assert.is(back.verdict, "fail");
  assert.match(
    back.message,
    "k/Pod went back in time: it relisted at rv 7 (0.000s) after it had seen rv 8 (MODIFIED /registry/pods/default/b, 0.000s)",
  );
});

test("informer reliable: a watch that delivers an older revision than its informer had seen goes back in time", () => {
  const r = checkInformerStreams(log({ versions, observed: [ev("k/Pod", pod("b"), 8), ev("k/Pod", pod("a"), 6)] }));
  assert.is(r.verdict, "fail");
  assert.match(r.message, "k/Pod went back in time: its watch delivered /registry/pods/default/a at rv 6");
});

test("informer reliable: another informer (a controller's new one, a restarted process's) may start from any past", () => {
  const r = checkInformerStreams(
    log({
      versions,
      observed: [
        ev("k/Pod", "/registry/pods/", 8, "LIST"),
        ev("k/Pod", pod("a"), 6, "LIST"),
        ev("k/Pod", pod("b"), 8, "LIST"),
        ev("k.2/Pod", "/registry/pods/", 6, "LIST"),
        ev("k.2/Pod", pod("a"), 6, "LIST"),
        ev("k.2/Pod", pod("b"), 6, "LIST"),
      ],
    }),
  );
  assert.is(r.verdict, "pass", r.message);
});

test("prefixOf cuts a key after its third slash, as splitting and joining it did", () => {
  const reference = (key: string) => key.split("/").slice(0, 3).join("/") + "/";
  for (const key of [
    "/registry/pods/default/web-1",
    "/registry/minions/node-1",
    "/registry/pods",
    "/registry/pods/",
    "/registry/",
    "/",
    "",
    "abc",
    "a/b",
    "a/b/c/d",
    "//",
    "///x",
  ])
    assert.is(prefixOf(key), reference(key), key);
});

// Two namespaces whose names are prefixes of one another: "shop" and "shop-canary".
const shop = (name: string) => `/registry/pods/shop/${name}`;
const canary = (name: string) => `/registry/pods/shop-canary/${name}`;
const nsVersions = [v(shop("a"), 5), v(canary("x"), 6), v(shop("a"), 7), v(shop("b"), 8)];
/** kube-informer-reliable over nsVersions, for informer t/Pod of namespace shop (listed at 4) and then `events`. */
const shopInformer = (...events: InformerObservation[]) =>
  checkInformerStreams(
    log({ versions: nsVersions, observed: [ev("t/Pod", "/registry/pods/shop/", 4, "LIST"), ...events] }),
  );

test("informer reliable: a namespaced informer that saw its namespace's 5, 7, 8 passes, past the other namespace's change", () => {
  const r = shopInformer(ev("t/Pod", shop("a"), 5), ev("t/Pod", shop("a"), 7), ev("t/Pod", shop("b"), 8));
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, "1 of one namespace, handed nothing outside it");
});

test("informer reliable: a namespaced informer that skips a change of its namespace fails", () => {
  const r = shopInformer(ev("t/Pod", shop("a"), 5), ev("t/Pod", shop("b"), 8));
  assert.is(r.verdict, "fail");
  assert.match(r.message, "t/Pod missed /registry/pods/shop/a at rv 7");
});

test("informer reliable: a namespaced informer handed an object of a namespace its name prefixes fails (kubernetes#25342)", () => {
  for (const event of ["MODIFIED", "LIST"] as const) {
    const r = shopInformer(ev("t/Pod", shop("a"), 5), ev("t/Pod", canary("x"), 6, event));
    assert.is(r.verdict, "fail", event);
    assert.match(
      r.message,
      "t/Pod informs on /registry/pods/shop/ but was handed /registry/pods/shop-canary/x at rv 6",
    );
  }
  // The same events to an informer of every namespace are its business.
  const all = checkInformerStreams(
    log({
      versions: nsVersions,
      observed: [ev("k/Pod", "/registry/pods/", 4, "LIST"), ev("k/Pod", shop("a"), 5), ev("k/Pod", canary("x"), 6)],
    }),
  );
  assert.is(all.verdict, "pass", all.message);
});

test.run();
