// Seeds that once failed a clean build, kept so the fix stays.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { findScenario } from "../registry.ts";
import { resolveRun, runScenario } from "../runner.ts";
import { withoutLaterTraffic } from "./scenarios.ts";

test("kv-chaos seed 62312: a follower back in a term it left only in memory (a campaign a torn crash forgot) still counts what it had covered in that term (commit-covered)", () => {
  const r = runScenario({ scenario: findScenario("kv-chaos")!, seed: 62312 });
  const raft = r.checks.find((c) => c.name === "raft-safety")!;
  assert.is(raft.verdict, "pass", raft.message);
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
});

test("kv-chaos seed 1295: a client's revoke applied before the write that proves commits, answered 600 ms after it, ended its lease in time (lease-expiry)", () => {
  // When kv-chaos began watching single keys and key ranges, seed 1295 drew a single member under slow
  // messages: lease-expiry dated the revoke by its late answer (2709 ms) instead of its apply (revision 89,
  // before the put at revision 93 answered at 2198 ms), and failed a lease that had ended in time.
  const r = runScenario({ scenario: findScenario("kv-chaos")!, seed: 1295 });
  const expiry = r.checks.find((c) => c.name === "lease-expiry")!;
  assert.is(expiry.verdict, "pass", expiry.message);
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
});

test("kv-chaos seed 2250: a revoke that timed out may have been applied, so a TimeToLive that finds its lease gone breaks no promise (lease-safety)", () => {
  // When kv-chaos began calling LeaseTimeToLive, three of seeds 1..3000 (1135, 1795, 2250) failed: lease-safety
  // counted a revoke as possibly applied only if it had no error, and an unanswered one carries "timeout".
  const r = runScenario({ scenario: findScenario("kv-chaos")!, seed: 2250 });
  const safety = r.checks.find((c) => c.name === "lease-safety")!;
  assert.is(safety.verdict, "pass", safety.message);
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
});

test("kv-chaos seed 26: an unanswered request etcd must refuse had no effect (linearizability drops it, as a refused one)", () => {
  // When kv-chaos began sending requests etcd refuses before proposing, the model let an unanswered one
  // (a Put with ignore_lease and a lease, timed out) take a revision like any unanswered Put, and no
  // order of the history fitted (12 of seeds 1..3000 failed so).
  const r = runScenario({ scenario: findScenario("kv-chaos")!, seed: 26 });
  const lin = r.checks.find((c) => c.name === "linearizability")!;
  assert.is(lin.verdict, "pass", lin.message);
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
});

test("kv-chaos seed 461: a Txn refused lease-not-found found a lease of its put expired unnoticed (linearizability)", () => {
  // When kv-chaos began drawing ignore-flag puts inside a Txn, with a lease, the model noticed a lease that
  // expired holding no keys only through a plain Put, a revoke or a keep-alive; a Txn refused for it could
  // not be placed (4 of seeds 301..2000 failed so).
  const r = runScenario({ scenario: findScenario("kv-chaos")!, seed: 461 });
  const lin = r.checks.find((c) => c.name === "linearizability")!;
  assert.is(lin.verdict, "pass", lin.message);
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
});

test("watch-compaction seed 4431: the control plane it attaches is judged with the run's faults (kube-min-available)", () => {
  // Its kube checks once ran without the run's fault windows, so a shortfall of ready pods while n1 was
  // partitioned, crashed and paused (faults from 0.3 s on) failed kube-min-available as unexplained.
  // Since the rollout checker counts only the ready pods their ReplicaSets still want, seed 4431 shows no
  // shortfall at all; a Deployment controller that dips on purpose (kube-rollout-unavailable-rounded-up)
  // shows that dips under the run's faults are still explained by them, at seed 2.
  const def = findScenario("watch-compaction")!;
  const r = runScenario({ scenario: def, seed: 4431 });
  assert.is(r.checks.find((c) => c.name === "kube-min-available")!.verdict, "pass");
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
  const dips = runScenario({ scenario: def, seed: 2, bugs: ["kube-rollout-unavailable-rounded-up"] });
  const min = dips.checks.find((c) => c.name === "kube-min-available")!;
  assert.is(min.verdict, "pass", min.message);
  const explained = /\((\d+) revisions below it while a fault explained it\)/.exec(min.message);
  assert.ok(explained !== null && Number(explained[1]) > 0, min.message);
});

// Found when kv-chaos began drawing lease keep-alives: a keep-alive of a lease that had expired, its
// revoke still on its way through Raft, was answered with a full TTL, and the revoke landed moments later.
// The runs as they were found: without the traffic kv-chaos drew later (Range's other options, puts with
// an ignore flag, range deletes, and every kind since). Seed 2757 took the place of 2020 when members
// began promoting their lessors on applying their term's first entry (the first kv-chaos seed after 2020
// where the mutant is caught again).
for (const seed of [2757, 3349]) {
  test(`kv-chaos seed ${seed}: a keep-alive of an expired lease waits for its revoke (lease-safety); the mutant renews it`, () => {
    const def = findScenario("kv-chaos")!;
    const drawn = resolveRun(def, seed).options as { traffic: Record<string, number> };
    const asFound = {
      options: {
        ...drawn,
        traffic: withoutLaterTraffic(drawn.traffic, ["keepAlive", "txnCompare"]),
        watchRangeP: 0,
      },
    };
    const { options, faults } = resolveRun(def, seed, asFound.options);
    const r = runScenario({ scenario: def, seed, options, faults });
    assert.is(r.checks.find((c) => c.name === "lease-safety")!.verdict, "pass");
    assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
    const mutant = runScenario({ scenario: def, seed, options, faults, bugs: ["etcd-lease-renew-expired"] });
    const lease = mutant.checks.find((c) => c.name === "lease-safety")!;
    assert.is(lease.verdict, "fail");
    assert.match(lease.message, /before its 1s TTL/);
  });
}

test("auth-revoke seed 1 turns auth off for a maintenance window and on again: every check passes, auth is on at the end, and the clients carried no dead token through it", () => {
  // Regression: the operator's own client kept its dead token after Authenticate answered that auth was
  // off, so its auth enable was refused as an invalid auth token until it gave up (every seed of 1..40 that
  // turns auth off ended with it off; etcd-client-keeps-dead-token re-creates it).
  const r = runScenario({ scenario: findScenario("auth-revoke")!, seed: 1 });
  const plan = (r.options as { authPlan: { at: number; change: string }[] }).authPlan;
  const off = plan.findIndex((p) => p.change === "disable-auth");
  const on = plan.findIndex((p) => p.change === "enable-auth");
  assert.ok(off >= 0 && on > off, plan.map((p) => p.change).join(", "));
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
  assert.match(r.checks.find((c) => c.name === "auth-tokens")!.message, /and auth disables applied/);
  // A client that kept a dead token through the window would be refused as an invalid auth token from then
  // on: the apiserver and the reader (clients 1 and 3; the agent may have lost its role) are served after it.
  const ops = r.history?.operations ?? [];
  for (const client of [1, 3])
    assert.ok(
      ops.some((o) => o.client === client && o.error === undefined && o.call > plan[on]!.at),
      `client ${client} served after the window`,
    );
});

test("auth-revoke seed 12: the agent's Txn put with prev_kv while it may only write is refused (the member had etcd 3.4.23's GHSA-x35m-3gp4-4fh5 as its rule)", () => {
  // The simulated member checked a Put inside a Txn by its key alone, as etcd did until #21677; with the
  // rule fixed, seed 12 (the first where the agent, narrowed to WRITE only, sends such a Txn and the
  // mutant etcd-auth-txn-put-side-reads-unchecked is caught, since a third of the seeds turn auth off
  // for a while; seed 7 before, 8 before the principals began using leases) refuses it and passes.
  const r = runScenario({ scenario: findScenario("auth-revoke")!, seed: 12 });
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
  const prevKvTxnsRefused = (r.history?.operations ?? []).filter(
    (op) =>
      op.client === 2 &&
      op.error === "permission-denied" &&
      op.request.kind === "txn" &&
      op.request.txn.success.some((o) => "requestPut" in o && o.requestPut.prevKv === true),
  );
  assert.ok(prevKvTxnsRefused.length > 0, "the agent's prev_kv Txn puts were refused at least once");
  const m = runScenario({
    scenario: findScenario("auth-revoke")!,
    seed: 12,
    bugs: ["etcd-auth-txn-put-side-reads-unchecked"],
  });
  assert.is(m.checks.find((c) => c.name === "auth")!.verdict, "fail");
});

test("auth-revoke seed 1051: a member restarted near the quota replays a put into its file as long as it was, and refuses it there (etcd-nospace's own account of the file)", () => {
  // When etcd-nospace began keeping its own account of each member's backend file, the sweep of 1001..2500
  // failed 5 seeds: a restarted member replayed a revision the account had already stored before the
  // crash, and the account judged the replay at the size the first apply found, not at the file's size.
  const r = runScenario({ scenario: findScenario("auth-revoke")!, seed: 1051 });
  const nospace = r.checks.find((c) => c.name === "etcd-nospace")!;
  assert.is(nospace.verdict, "pass", nospace.message);
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
});

test("auth-revoke seeds 900225 and 900377: a principal's watch created with no token, by a member that had not applied auth enable, speaks for no one (auth)", () => {
  // Found by a sweep of seeds 900001..901500: the reader (and the rogue) created a watch while they held
  // no token (an Authenticate answered "not enabled" by a lagging member, or a refused token not yet
  // renewed); the member it reached, auth still off there, served it, as etcd does. The auth checker
  // judged the watch as the principal's and failed it.
  for (const seed of [900225, 900377]) {
    const r = runScenario({ scenario: findScenario("auth-revoke")!, seed });
    const auth = r.checks.find((c) => c.name === "auth")!;
    assert.is(auth.verdict, "pass", `seed ${seed}: ${auth.message}`);
  }
});

test("auth-revoke seeds 900312 and 900640: liveness waits for the operator's set-up, and not for a NOSPACE alarm no one owns (liveness)", () => {
  // Found by a sweep of seeds 900001..901500. 900312 (and 901009, 901314, 901482): faults took the
  // operator's auth enable, and the run ended, converged, while its retry was in flight ("auth never came
  // on"). 900640: a rogue raised NOSPACE on a member whose auth was still off, on a seed with no space quota
  // and so no operator to disarm it; liveness waited for the disarm for good.
  for (const seed of [900312, 900640]) {
    const r = runScenario({ scenario: findScenario("auth-revoke")!, seed });
    const liveness = r.checks.find((c) => c.name === "liveness")!;
    assert.is(liveness.verdict, "pass", `seed ${seed}: ${liveness.message}`);
    assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
  }
});

test("auth-revoke seeds 1208, 1728 and 3415: a leased key's delete is blamed on no principal that may not have made it (auth)", () => {
  // Found by a sweep of 1..3000 once the principals kept keys on leases: the apiserver's revoke of its own
  // lease went unanswered, and the auth checker blamed the delete of its event on a rogue's unanswered
  // delete of everything. A leased key's delete with no request answered for it is no longer judged.
  // 3415 (a sweep of 1..4000): the reader's revoke of the agent's lease was answered with the revision at
  // which the apiserver's delete of the lease's one key, its answer lost, had been applied: the revoke
  // found the lease empty. A revoke is blamed only when no request that may have deleted the key was permitted to.
  for (const seed of [1208, 1728, 3415]) {
    const r = runScenario({ scenario: findScenario("auth-revoke")!, seed });
    assert.is(r.verdict, "pass", `seed ${seed}: ${JSON.stringify(r.checks.filter((c) => c.verdict !== "pass"))}`);
  }
});

test("auth-revoke seed 502534: a write that lands after liveness and raises NOSPACE is answered by the operator before the run ends (etcd-nospace)", () => {
  // Found by a sweep of seeds 500001..504000: the backend had passed the quota at 1.9 s, but the alarm that
  // refusal proposed was lost to a partition; a rogue's put, slowed and retried past the heal, met the
  // quota 140 ms after liveness held and raised NOSPACE, and the run ended 200 ms later, before the
  // operator's compaction, defrag and disarm ("did not recover").
  const r = runScenario({ scenario: findScenario("auth-revoke")!, seed: 502534 });
  const nospace = r.checks.find((c) => c.name === "etcd-nospace")!;
  assert.is(nospace.verdict, "pass", nospace.message);
  assert.match(nospace.message, /[1-9]\d* disarms/);
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
});

test("watch-compaction seed 503270: a new ReplicaSet made whole on a view without its predecessor, before the surge bound held, is followed until back within it (kube-max-surge)", () => {
  // Found by a sweep of seeds 500001..504000: the image changed before the first ReplicaSet's pods were
  // made, and the Deployment controller, its informer relisting after a compaction, made the new
  // ReplicaSet at 5 on a view without the first (5 + 5 against 5 + maxSurge 2). Its next status, on a view
  // that had caught up, armed the bound over that excess, and the old pods stay until new ones are ready.
  const r = runScenario({ scenario: findScenario("watch-compaction")!, seed: 503270 });
  const surge = r.checks.find((c) => c.name === "kube-max-surge")!;
  assert.is(surge.verdict, "pass", surge.message);
  assert.match(surge.message, /raises decided on a view that lagged/);
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
});

test("membership-change seed 514: a voter that just joined, and a leadership transfer that restarted the leader's timer, do not make a leader that heard from a quorum look cut off (raft-check-quorum)", () => {
  // Found by the sweep that introduced raft-check-quorum (seeds 1..1500): the leader's configuration had
  // just gained a voter it had not heard from yet, which etcd-io/raft counts as recently active, and its
  // last answer from another was 250 ms old after a transfer had restarted its check.
  const r = runScenario({ scenario: findScenario("membership-change")!, seed: 514 });
  const cq = r.checks.find((c) => c.name === "raft-check-quorum")!;
  assert.is(cq.verdict, "pass", cq.message);
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
});

test.run();
