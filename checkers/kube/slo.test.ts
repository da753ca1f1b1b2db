// kube-slo on synthetic latency records: what Kubernetes' SLOs accept and what they reject.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { LatencyOp } from "../../core/metrics/latency.ts";
import type { PodStartup } from "./slo.ts";
import { checkKubeSlo, firstWord, measureSlo } from "./slo.ts";

const api = (what: string, ms: number, start = 0): LatencyOp => ({
  layer: "apiserver",
  who: "apiserver-1",
  what,
  start,
  end: start + ms * 1000,
  ok: true,
});
const many = (what: string, ms: number, n = 200) => Array.from({ length: n }, (_, i) => api(what, ms, i * 10_000));
const pods = (secs: number[]): PodStartup[] =>
  secs.map((s, i) => ({ key: `/registry/pods/default/p${i}`, created: 0, running: s * 1e6 }));

test("fast mutating calls and pods that start within seconds meet both SLOs", () => {
  const r = checkKubeSlo([...many("create pods", 20), ...many("patch deployments", 40)], pods([1, 1.5, 2]), "require");
  assert.is(r.verdict, "pass", r.message);
  assert.match(r.message, /SLOs held/);
});

test("one (resource, verb) pair with a p99 over 1 s misses the SLO, even when the others are fast", () => {
  const slow = [...many("update pods", 5, 95), ...many("update pods", 1500, 5)];
  const r = checkKubeSlo([...many("create pods", 5, 1000), ...slow], pods([1]), "require");
  assert.is(r.verdict, "fail");
  assert.match(r.message, /mutating API p99 1\.50s \(update pods\) > 1s/);
});

test("the SLO is per pair: slow calls spread thin across a busy pair still count against their own pair only", () => {
  // 1 slow call in 1000 creates: p99 stays fast for creates.
  const ops = [...many("create pods", 5, 999), api("create pods", 3000)];
  assert.is(checkKubeSlo(ops, pods([1]), "require").verdict, "pass");
});

test("watch, get and list calls never count, however slow", () => {
  const ops = [
    ...many("get pods", 5000),
    ...many("list pods", 5000),
    ...many("watch pods", 60_000),
    ...many("create pods", 5),
  ];
  const m = measureSlo(ops, []);
  assert.equal(Object.keys(m.mutating), ["create pods"]);
  assert.is(checkKubeSlo(ops, pods([1]), "require").verdict, "pass");
});

test("pod startup p99 over 5 s misses; pods that never ran are reported, not counted", () => {
  const r = checkKubeSlo(many("create pods", 5), pods([1, 2, 6.5]), "require");
  assert.is(r.verdict, "fail");
  assert.match(r.message, /pod startup p99 6\.50s > 5s/);
  const m = measureSlo([], [...pods([1]), { key: "x", created: 0, running: undefined }]);
  assert.equal(m.podStartup, { n: 1, p99: 1e6, neverRunning: 1 });
});

test("a pod still not Running when the run ends counts until then: a control plane that starts nothing cannot hold the SLO", () => {
  const stuck = { key: "/registry/pods/default/a", created: 1_000_000, running: undefined };
  const gone = { key: "/registry/pods/default/b", created: 0, running: undefined, deleted: true };
  // Without the end time, only the pod that ran is measured: the SLO looks held.
  assert.is(checkKubeSlo(many("create pods", 5), [...pods([1]), stuck, gone], "require").verdict, "pass");
  const r = checkKubeSlo(many("create pods", 5), [...pods([1]), stuck, gone], "require", 10_000_000);
  assert.is(r.verdict, "fail");
  assert.match(r.message, /pod startup p99 9\.00s > 5s/);
  assert.equal(r.evidence && "podStartup" in r.evidence ? r.evidence.podStartup : undefined, {
    n: 2,
    p99: 9e6,
    neverRunning: 1,
  });
  // Within the bound it still holds: a lower bound under 5 s proves nothing either way.
  assert.is(checkKubeSlo(many("create pods", 5), [...pods([1]), stuck], "require", 3_000_000).verdict, "pass");
});

test("by default the check reports a miss without failing the run", () => {
  const r = checkKubeSlo(many("delete pods", 2000), pods([9]));
  assert.is(r.verdict, "pass");
  assert.match(
    r.message,
    /^report only — SLO missed: mutating API p99 2\.00s \(delete pods\) > 1s; pod startup p99 9\.00s > 5s/,
  );
});

test('firstWord is what split(" ")[0] gives', () => {
  for (const s of ["create pods", "update", "", " lead", "patch  deployments", "a b c"])
    assert.is(firstWord(s), s.split(" ")[0], JSON.stringify(s));
});

test.run();
