// End to end on the built code (npm ci builds it; run `npm run build` after changing sources): one slip
// every screen catches at once, one that changes nothing anyone can observe, screened in scratch copies.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { HANG, hangTimeouts, layerOf, runCampaign, screenFor } from "./campaign.ts";
import { type MutationSite, sitesIn } from "./sites.ts";

const dist = new URL("../../dist", import.meta.url).pathname;

function site(file: string, original: string, operator: string): MutationSite {
  const found = sitesIn(file, readFileSync(join(dist, file), "utf8")).find(
    (s) => s.original === original && s.operator === operator,
  );
  assert.ok(found, `no site "${operator}" on "${original}" in dist/${file}`);
  return found!;
}

test("screens: Kubernetes files get the Kubernetes scenarios, the rest etcd's, scaled", () => {
  assert.match(screenFor("core/kube/kubelet.js"), /^kube-smoke:3,deployment-rollout:15,/);
  assert.match(screenFor("core/raft/log.js", 0.1), /^smoke:1,kv-chaos:4,kv-crash:2,/);
});

test("a write at the current revision is caught; an empty range read either way survives; the copies are gone", async () => {
  const before = readdirSync(tmpdir()).filter((f) => f.startsWith("etcdsim-mutants-")).length;
  const sites = [
    site("core/mvcc/store.js", "const main = this.currentRev + 1;", "+ 1 dropped"),
    site("core/raft/log.js", "if (from >= to)", ">= to >"),
  ];
  const seen: number[] = [];
  const [caught, survived] = await runCampaign(dist, sites, {
    workers: 2,
    scale: 0.1,
    onResult: (_, done) => seen.push(done),
  });
  assert.ok(caught!.caught, JSON.stringify(caught));
  assert.is(caught!.scenario, "smoke");
  assert.is(caught!.seed, 1);
  assert.ok(!survived!.caught, JSON.stringify(survived));
  assert.ok(survived!.seedsRun >= 12, `seeds run: ${survived!.seedsRun}`);
  assert.equal(seen.sort(), [1, 2]);
  // The real dist/ is untouched and the scratch copies are removed.
  assert.ok(readFileSync(join(dist, "core/raft/log.js"), "utf8").includes("if (from >= to)"));
  assert.is(readdirSync(tmpdir()).filter((f) => f.startsWith("etcdsim-mutants-")).length, before);
});

test("a mutant's screen may run five times its layer's clean screen, and never less than a minute", () => {
  assert.is(layerOf("core/kube/registry.js"), "kube");
  assert.is(layerOf("core/mvcc/store.js"), "etcd");
  const timeout = hangTimeouts({ etcd: 4_000, kube: 30_000 });
  assert.is(timeout("core/raft/node.js"), HANG.minMs);
  assert.is(timeout("core/kube/kubelet.js"), 150_000);
});

test("a mutant that hangs the simulator is killed at its timeout and counted caught, by timeout", async () => {
  // The hard state never looks changed, so a node never syncs it: every seed stalls at its first election.
  const hang = site(
    "core/raft/node.js",
    "const hardChanged = this.currentTerm !== prevHs.term || this.votedFor !== prevHs.vote || this.log.committed !== prevHs.commit;",
    "!== to ===",
  );
  const t0 = performance.now();
  const [r] = await runCampaign(dist, [hang], { workers: 1, timeoutMs: (file) => (file === hang.file ? 3_000 : 0) });
  assert.ok(r!.caught, JSON.stringify(r));
  assert.is(r!.by, "timeout");
  assert.ok(performance.now() - t0 < 60_000, "killed at its timeout");
});

test.before(() => {
  assert.ok(existsSync(join(dist, "core/mvcc/store.js")), "dist/ is not built: run npm run build");
});

test.run();
