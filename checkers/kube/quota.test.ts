// kube-quota on hand-made store histories: what it must accept and what it must reject.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ObjectVersion } from "../../core/kube/observations.ts";
import type { Pod, ResourceQuota } from "../../core/kube/types.ts";
import { checkKubeQuota } from "./quota.ts";

const QK = "/registry/resourcequotas/default/compute";
const q = (rv: number, used: number, hard = 2, create = 2): ObjectVersion => ({
  time: rv,
  key: QK,
  rv,
  createRevision: create,
  source: "store",
  object: {
    apiVersion: "v1",
    kind: "ResourceQuota",
    metadata: { name: "compute", namespace: "default" },
    spec: { hard: { pods: String(hard) } },
    status: { used: { pods: String(used) } },
  } satisfies ResourceQuota,
});
const pod = (name: string, rv: number, create = rv): ObjectVersion => ({
  time: rv,
  key: `/registry/pods/default/${name}`,
  rv,
  createRevision: create,
  source: "store",
  object: {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default" },
    spec: { containers: [{ name: "c", image: "i" }] },
  } satisfies Pod,
});
const gone = (name: string, rv: number): ObjectVersion => ({
  time: rv,
  key: `/registry/pods/default/${name}`,
  rv,
  object: null,
  source: "store",
});

test("accepts: charge before create, release after delete, the limit reached and held", () => {
  const r = checkKubeQuota({
    versions: [q(2, 0), q(3, 1), pod("a", 4), q(5, 2), pod("b", 6), gone("a", 7), q(8, 1)],
    uncertain: 0,
    requirePressure: true,
  });
  assert.is(r.verdict, "pass", r.message);
});

test("accepts: no quota at all", () => {
  assert.is(checkKubeQuota({ versions: [pod("a", 2)], uncertain: 0 }).verdict, "pass");
});

test("rejects: status.used above hard", () => {
  const r = checkKubeQuota({ versions: [q(2, 0), q(3, 3)], uncertain: 0 });
  assert.is(r.verdict, "fail");
  assert.match(r.message, /status.used.pods = 3 exceeds hard 2/);
});

test("rejects: more pods exist than the quota allows (two admissions overshot on a stale read)", () => {
  const r = checkKubeQuota({
    versions: [q(2, 0), q(3, 1), q(4, 2), pod("a", 5), pod("b", 6), q(7, 2), pod("c", 8)],
    uncertain: 0,
  });
  assert.is(r.verdict, "fail");
  assert.match(r.message, /revision 8: pods in default use pods = 3, over/);
});

test("rejects: a pod exists uncounted at the end", () => {
  const r = checkKubeQuota({ versions: [q(2, 0), pod("a", 3)], uncertain: 0 });
  assert.match(r.message, /1 pods exist but only 0 are counted/);
});

test("over-counting is explained only by an uncertain charge or release", () => {
  const versions = [q(2, 0), q(3, 1)];
  assert.is(checkKubeQuota({ versions, uncertain: 0 }).verdict, "fail");
  assert.is(checkKubeQuota({ versions, uncertain: 1 }).verdict, "pass");
  assert.is(checkKubeQuota({ versions, uncertain: 1, exactAtEnd: true }).verdict, "fail");
});

test("pods created before their quota are not judged against it", () => {
  assert.is(
    checkKubeQuota({ versions: [pod("old", 1), q(2, 0, 1), q(3, 1, 1), pod("a", 4)], uncertain: 0 }).verdict,
    "pass",
  );
});

test("rejects when pressure is required and the limit was never reached", () => {
  assert.is(
    checkKubeQuota({ versions: [q(2, 0), q(3, 1), pod("a", 4)], uncertain: 0, requirePressure: true }).verdict,
    "fail",
  );
});

test.run();
