// kube-object-meta on hand-made version logs: updates that keep the identity fields and move generation
// with the spec and the start of a deletion pass; a rewritten creationTimestamp or uid, a spec change
// without a bump, a bump without one, and a deletion that keeps the generation fail. A new life of the key
// (another create revision) starts afresh.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ObjectVersion } from "../../core/kube/observations.ts";
import type { KubeObject } from "../../core/kube/types.ts";
import { checkObjectMeta } from "./object-meta.ts";

const KEY = "/registry/deployments/default/nginx";

interface Shape {
  generation: number;
  replicas: number;
  ready?: number;
  uid?: string;
  created?: string;
  deleting?: number;
}

const dep = (s: Shape): KubeObject =>
  ({
    kind: "Deployment",
    metadata: {
      name: "nginx",
      namespace: "default",
      uid: s.uid ?? "u1",
      creationTimestamp: s.created ?? "2026-01-01T00:00:00Z",
      generation: s.generation,
      ...(s.deleting !== undefined ? { deletionTimestamp: s.deleting, deletionGracePeriodSeconds: 0 } : {}),
    },
    spec: { replicas: s.replicas },
    status: { readyReplicas: s.ready ?? 0 },
  }) as unknown as KubeObject;

const v = (rv: number, object: KubeObject, createRevision = 5): ObjectVersion => ({
  time: rv * 10,
  key: KEY,
  rv,
  createRevision,
  object,
  source: "store",
});

test("identity kept, generation moved by the spec and by the start of a deletion: pass", () => {
  const r = checkObjectMeta([
    v(5, dep({ generation: 1, replicas: 3 })),
    v(9, dep({ generation: 2, replicas: 4 })), // scaled
    v(7, dep({ generation: 1, replicas: 3, ready: 3 })), // a status write (out of order in the log)
    v(12, dep({ generation: 3, replicas: 4, deleting: 100 })), // deletion began
    v(13, dep({ generation: 3, replicas: 4, ready: 1, deleting: 100 })), // status while terminating
    v(20, dep({ generation: 1, replicas: 2, uid: "u2", created: "2026-01-02T00:00:00Z" }), 20), // created again
  ]);
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, /^4 updates of stored objects/);
});

test("a rewritten creationTimestamp or uid fails, naming the field and the revisions", () => {
  const r = checkObjectMeta([
    v(5, dep({ generation: 1, replicas: 3 })),
    v(7, dep({ generation: 1, replicas: 3, ready: 1, created: "1970-01-01T00:00:00.000Z" })),
  ]);
  assert.is(
    r.message,
    '/registry/deployments/default/nginx at revision 7 (after 5): metadata.creationTimestamp changed from "2026-01-01T00:00:00Z" to "1970-01-01T00:00:00.000Z"',
  );
  const u = checkObjectMeta([
    v(5, dep({ generation: 1, replicas: 3 })),
    v(7, dep({ generation: 1, replicas: 3, uid: "u9" })),
  ]);
  assert.match(u.message, /metadata\.uid changed from "u1" to "u9"$/);
});

test("generation: a spec change without a bump, a bump without one, a deletion that keeps it: each fails", () => {
  const stale = checkObjectMeta([v(5, dep({ generation: 1, replicas: 3 })), v(7, dep({ generation: 1, replicas: 4 }))]);
  assert.match(stale.message, /revision 7 \(after 5\): generation 1 after 1, not 2 \(its spec changed\)$/);
  const eager = checkObjectMeta([
    v(5, dep({ generation: 1, replicas: 3 })),
    v(7, dep({ generation: 2, replicas: 3, ready: 2 })),
  ]);
  assert.match(eager.message, /generation 2 after 1, not 1 \(neither its spec nor its deletion changed\)$/);
  const kept = checkObjectMeta([
    v(5, dep({ generation: 1, replicas: 3 })),
    v(7, dep({ generation: 1, replicas: 3, deleting: 50 })),
  ]);
  assert.match(kept.message, /generation 1 after 1, not 2 \(its deletionTimestamp was set\)$/);
});

test.run();
