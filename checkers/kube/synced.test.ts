// kube-cache-synced on hand-made logs: a controller that acts after its informers listed in its tenure
// passes; one that acts before (or on a list from an earlier tenure) fails, naming the kind.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { InformerObservation, LeaderAct, LeaderChange } from "../../core/kube/observations.ts";
import { checkCacheSynced } from "./synced.ts";
import { kubeLog } from "../../testing/kube/observations.ts";

const LEASE = "kube-system/kube-controller-manager";

const log = kubeLog;
const acquired = (process: string, term: number, time: number): LeaderChange => ({
  time,
  process,
  identity: `${process}_x`,
  lease: LEASE,
  term,
  event: "acquired",
});
const listed = (process: string, kind: string, prefix: string, time: number): InformerObservation => ({
  time,
  observer: `${process}#abc/${kind}`,
  key: prefix,
  rv: 10,
  event: "LIST",
});
const act = (process: string, term: number, time: number, what: string): LeaderAct => ({
  time,
  process,
  identity: `${process}_x`,
  lease: LEASE,
  term,
  what,
});

const listsOf = (process: string, time: number) => [
  listed(process, "ReplicaSet", "/registry/replicasets/", time),
  listed(process, "Pod", "/registry/pods/", time),
  listed(process, "Deployment", "/registry/deployments/", time),
];

test("kube-cache-synced: a leader's controllers act after their informers listed, in each tenure", () => {
  const r = checkCacheSynced(
    log({
      leaders: [acquired("kcm-1", 5, 100), acquired("kcm-2", 40, 5_000)],
      observed: [...listsOf("kcm-1", 150), ...listsOf("kcm-2", 5_100)],
      acts: [
        act("kcm-1", 5, 200, "replicaset: create Pod default/a"),
        act("kcm-1", 5, 300, "deployment: update ReplicaSet default/rs@9"),
        act("kcm-2", 40, 5_200, "replicaset: delete Pod default/a"),
        act("kcm-2", 40, 5_300, "garbage-collector: delete Pod default/b"), // reads nothing this rule names
      ],
    }),
  );
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, "3 controller acts");
});

test("kube-cache-synced: the ReplicaSet controller acting before its pods were listed fails, naming the kind", () => {
  const r = checkCacheSynced(
    log({
      leaders: [acquired("kcm-1", 5, 100)],
      observed: [
        listed("kcm-1", "ReplicaSet", "/registry/replicasets/", 150),
        listed("kcm-1", "Pod", "/registry/pods/default/x", 400), // an object's record, not the list's
        listed("kcm-1", "Pod", "/registry/pods/", 400),
      ],
      acts: [act("kcm-1", 5, 200, "replicaset: create Pod default/a")],
    }),
  );
  assert.is(r.verdict, "fail");
  assert.match(r.message, "kcm-1 acted at");
  assert.match(r.message, "before it had listed Pods (listed at");
});

test("kube-cache-synced: a list from the process's earlier tenure does not sync the next one", () => {
  const r = checkCacheSynced(
    log({
      leaders: [acquired("kcm-1", 5, 100), acquired("kcm-1", 60, 9_000)],
      observed: listsOf("kcm-1", 150),
      acts: [
        act("kcm-1", 5, 200, "replicaset: create Pod default/a"),
        act("kcm-1", 60, 9_100, "replicaset: create Pod default/b"),
      ],
    }),
  );
  assert.is(r.verdict, "fail");
  assert.match(r.message, "term 60");
  assert.match(r.message, "before it had listed ReplicaSets");
  assert.not.match(r.message, "listed at");
});

test.run();
