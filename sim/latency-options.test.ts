// The latency options on a real deployment-rollout run: absent, the run is today's (its pinned trace
// hash); present, they are deterministic per seed and move the latencies they name; `slo: "require"`
// turns a kube-slo miss into a failed run.
import { readFileSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { findScenario } from "../scenarios/registry.ts";
import { resolveRun, runScenario } from "../scenarios/runner.ts";
import type { LatencyReport } from "../harness/metrics/kube.ts";
import { quantile } from "../checkers/quantile.ts";

const def = findScenario("deployment-rollout")!;
const run = (seed: number, extra?: Record<string, unknown>) =>
  runScenario({ scenario: def, seed, ...(extra ? { options: { ...resolveRun(def, seed).options, ...extra } } : {}) });
const samples = (r: ReturnType<typeof run>, m: string) => (r.extra!["latency"] as LatencyReport).samples[m] ?? [];

test("without latency options a run is today's: same trace hash, kube-slo reported but never failing", () => {
  const r = run(1);
  assert.is(r.traceHash, "f2ed03881eaae91b"); // bench/fixtures/trace-hashes.tsv's deployment-rollout 1
  const slo = r.checks.find((c) => c.name === "kube-slo")!;
  assert.is(slo.verdict, "pass");
  assert.match(slo.message, /^report only — /);
});

test("a slow disk that follows the leader is deterministic and slows the leader's requests", () => {
  const a = run(2, { disk: { slowMember: "@leader", slowProfile: "hdd" } });
  const b = run(2, { disk: { slowMember: "@leader", slowProfile: "hdd" } });
  assert.is(a.traceHash, b.traceHash);
  const base = run(2, { disk: { profile: "nvme" } });
  assert.ok(quantile(samples(a, "etcd leader"), 0.5) > 2 * quantile(samples(base, "etcd leader"), 0.5));
});

test("a longer round trip on every link slows etcd requests", () => {
  const near = run(3, { network: { rttUs: 1_000 } }),
    far = run(3, { network: { rttUs: 30_000 } });
  assert.ok(quantile(samples(far, "etcd follower"), 0.5) > quantile(samples(near, "etcd follower"), 0.5) + 10_000);
});

test('slo: "require" fails a run whose mutating API p99 passes 1 s; the same run only reports it by default', () => {
  const opts = { disk: { fsyncUs: 20_000 } };
  const reported = run(1, opts).checks.find((c) => c.name === "kube-slo")!;
  assert.match(reported.message, /SLO missed/);
  assert.is(reported.verdict, "pass");
  const required = run(1, { ...opts, slo: "require" });
  assert.is(required.checks.find((c) => c.name === "kube-slo")!.verdict, "fail");
  assert.is(required.verdict, "fail");
});

test("an etcd scenario keeps its trace hash without the option, and an hdd makes its clients' puts slower", () => {
  const kv = findScenario("kv-chaos")!;
  const plain = runScenario({ scenario: kv, seed: 1 });
  const recorded = readFileSync(new URL("../bench/fixtures/trace-hashes.tsv", import.meta.url), "utf8")
    .split("\n")
    .find((l) => l.startsWith("kv-chaos\t1\t"))!
    .split("\t")[3];
  assert.is(plain.traceHash, recorded, "as bench/fixtures/trace-hashes.tsv records it");
  const hdd = runScenario({
    scenario: kv,
    seed: 1,
    options: { ...resolveRun(kv, 1).options, disk: { profile: "hdd" } },
  });
  const put = (r: ReturnType<typeof run>) => quantile(samples(r, "client put"), 0.5);
  assert.ok(put(hdd) > put(plain) + 5_000, `client put median ${put(plain)} → ${put(hdd)} µs`);
  assert.ok(samples(plain, "etcd leader").length > 0);
});

test.run();
