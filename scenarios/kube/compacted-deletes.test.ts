// compacted-deletes seed 1 (seed 4 from when the informers listed in pages of two until the ReplicaSet controller kept no mutation cache): a paused etcd member resumes and applies its backlog; its watch send loop
// runs after the batch, by when a compaction in it has removed the prev_kv of pod deletes it carries.
// The apiserver ends those watches with 410 (kube.watch-delete-without-prev-kv) and the informers
// relist: every check passes. With kube-watch-drop-unknown-delete the apiserver drops such a delete
// instead, and an informer keeps a deleted pod: kube-informer-reliable fails on the same seed.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { probeCounts, resetProbes } from "../../core/probes.ts";
import { runScenario } from "../runner.ts";
import { compactedDeletes } from "./compacted-deletes.ts";

test("compacted-deletes seed 1: deletes without prev_kv end the apiserver's watches with 410, and every check passes", () => {
  resetProbes();
  const r = runScenario({ scenario: compactedDeletes, seed: 1 });
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
  const counts = probeCounts();
  assert.ok((counts.get("mvcc.watch-prev-kv-compacted-before-send") ?? 0) > 0, "a prev_kv compacted before its send");
  assert.ok((counts.get("kube.watch-delete-without-prev-kv") ?? 0) > 0, "a delete without prev_kv at an apiserver");
  assert.ok((counts.get("kube.informer-relist-after-410") ?? 0) > 0, "the informers relist");
});

test("the mutant kube-watch-drop-unknown-delete fails kube-informer-reliable on the same seed", () => {
  const r = runScenario({ scenario: compactedDeletes, seed: 1, bugs: ["kube-watch-drop-unknown-delete"] });
  const informer = r.checks.find((c) => c.name === "kube-informer-reliable")!;
  assert.is(informer.verdict, "fail", informer.message);
});

test.run();
