// The staged fault patterns of the etcd scenarios happen as intended on the clean build (which must
// pass them): whether a mutant is caught by them is scenarios/mutants.test.ts's business.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { resolveRun, runScenario } from "../runner.ts";
import type { RunResult, ScenarioDef } from "../types.ts";
import {
  kvChaos,
  kvPartition,
  leaderIsolation,
  leaseCheckpoints,
  leaseSessions,
  membershipChange,
} from "./scenarios.ts";
import { validateScenarioFile } from "../loader.ts";

const def = (s: unknown) => s as ScenarioDef;

/** term → the member that led it, from the run's timeline. */
function leaders(r: RunResult): Map<number, string> {
  const out = new Map<number, string>();
  for (const p of r.timeline ?? []) if (p.role === "leader" && !out.has(p.term)) out.set(p.term, p.member);
  return out;
}

test("kv-chaos stages figure 8: the old leader, the cut-off leader, the old leader again, then the cut-off one", () => {
  const seeds = Array.from({ length: 30 }, (_, i) => i + 1)
    .filter((s) => (resolveRun(def(kvChaos), s).options.figure8At as number) > 0)
    .slice(0, 5);
  assert.is(seeds.length, 5, `figure-8 seeds among the first 30: ${seeds.join(", ")}`);
  const staged: number[] = [];
  for (const seed of seeds) {
    const r = runScenario({ scenario: def(kvChaos), seed });
    assert.is(r.verdict, "pass", `seed ${seed}: ${JSON.stringify(r.checks.filter((c) => c.verdict !== "pass"))}`);
    // The cluster's first leader leads term 1 until the episode; terms 2-4 are the episode's.
    const [l, n, l2, n2] = [1, 2, 3, 4].map((t) => leaders(r).get(t));
    if (l !== undefined && n !== undefined && l !== n && l2 === l && n2 === n) staged.push(seed);
  }
  // A seed whose timers fall badly (a split vote, F campaigning as it wakes) degrades into plain faults.
  assert.ok(staged.length >= 3, `staged as intended on seeds ${staged.join(", ")} of ${seeds.join(", ")}`);
});

test("kv-partition: a deposed leader returning to its old followers is turned away at once", () => {
  let staged = 0;
  let turnedAway = 0;
  for (let seed = 1; seed <= 12; seed++) {
    const r = runScenario({ scenario: def(kvPartition), seed });
    assert.is(r.verdict, "pass", `seed ${seed}`);
    for (const f of r.faultLog ?? []) {
      const fault = f.fault;
      if (fault.kind !== "isolate" || fault.among?.length !== 1) continue;
      // The cut between the deposed leader and the new one starts just before the deposed one resumes.
      staged++;
      const stale = fault.target;
      const resumed = f.start + 1;
      const next = r.timeline!.find((p) => p.member === stale && p.time >= resumed);
      assert.ok(next !== undefined && next.role === "follower", `seed ${seed}: ${stale} steps down after resuming`);
      // Other faults of the mix may cut it off from its followers too: then CheckQuorum takes over.
      assert.ok(
        next.time - resumed < 2 * 10 * 10_000 + 20_000,
        `seed ${seed}: ${stale} led for ${next.time - resumed}us after resuming`,
      );
      if (next.time - resumed < 30_000) turnedAway++;
    }
  }
  // Where the mix cuts it off from those followers as well, it steps down by CheckQuorum instead.
  assert.ok(
    staged >= 3 && 2 * turnedAway >= staged,
    `deposed-leader episodes staged: ${staged}, turned away by a follower within 30ms: ${turnedAway}`,
  );
});

test("leader-isolation: the paused leader resumes still leading while another member leads a newer term", () => {
  let overlaps = 0;
  for (let seed = 1; seed <= 6; seed++) {
    const r = runScenario({ scenario: def(leaderIsolation), seed });
    assert.is(r.verdict, "pass", `seed ${seed}`);
    // Replay the timeline: does a member lead while another leads a higher term?
    const role = new Map<string, { role: string; term: number }>();
    for (const p of r.timeline ?? []) {
      role.set(p.member, { role: p.role, term: p.term });
      const ls = [...role.values()].filter((x) => x.role === "leader");
      if (ls.length >= 2 && new Set(ls.map((x) => x.term)).size >= 2) {
        overlaps++;
        break;
      }
    }
  }
  assert.ok(overlaps >= 4, `seeds with two leaders of different terms at once: ${overlaps} of 6`);
});

test("lease-sessions: stalled clients renew leases that just expired, and leases run out on a steady leader", () => {
  let waited = 0;
  let unconfirmed = 0;
  let judgedExpiries = 0;
  for (let seed = 1; seed <= 8; seed++) {
    const r = runScenario({ scenario: def(leaseSessions), seed });
    assert.is(r.verdict, "pass", `seed ${seed}: ${JSON.stringify(r.checks.filter((c) => c.verdict !== "pass"))}`);
    const leases = r.checks.find((c) => c.name === "lease-safety")!;
    const expiries = Number(/^(\d+) lease expir/.exec(leases.message)?.[1] ?? 0);
    assert.ok(expiries >= 10, `seed ${seed}: ${leases.message}`);
    // lease-expiry judges only leases due before the last leader answered a later write: a leader elected
    // late in the run leaves none, most seeds dozens.
    const ended = r.checks.find((c) => c.name === "lease-expiry")!;
    if (Number(/^(\d+) leases/.exec(ended.message)?.[1] ?? 0) >= 20) judgedExpiries++;
    if ((r.probes?.["etcd.keepalive-waited-for-revoke"] ?? 0) > 0) waited++;
    if ((r.probes?.["etcd.keepalive-leadership-unconfirmed"] ?? 0) > 0) unconfirmed++;
  }
  // A renewal between an expiry and its revoke is what etcd-lease-renew-expired answers wrongly; a resumed,
  // deposed leader's failed confirmation is where etcd-lease-renew-no-leadership-check renews anyway.
  assert.ok(waited >= 2, `seeds where a keep-alive waited for its lease's revoke: ${waited} of 8`);
  assert.ok(unconfirmed >= 4, `seeds where a leader could not confirm it leads before renewing: ${unconfirmed} of 8`);
  assert.ok(judgedExpiries >= 6, `seeds where lease-expiry judged 20 leases or more: ${judgedExpiries} of 8`);
});

test("lease-checkpoints: leaders checkpoint, keep-alives clear remainders, and the last leader's leases are judged from them", () => {
  let judged = 0;
  for (let seed = 1; seed <= 6; seed++) {
    const r = runScenario({ scenario: def(leaseCheckpoints), seed });
    assert.is(r.verdict, "pass", `seed ${seed}: ${JSON.stringify(r.checks.filter((c) => c.verdict !== "pass"))}`);
    assert.ok((r.probes?.["etcd.lease-checkpointed"] ?? 0) >= 10, `seed ${seed}: few checkpoints`);
    assert.ok((r.probes?.["etcd.keepalive-cleared-checkpoint"] ?? 0) >= 1, `seed ${seed}: no keep-alive cleared one`);
    assert.ok((r.probes?.["etcd.snapshot-restored"] ?? 0) >= 1, `seed ${seed}: no member restored a snapshot`);
    const m = /^(\d+) leases no one renewed .*; (\d+) checkpointed in time$/.exec(
      r.checks.find((c) => c.name === "lease-expiry")!.message,
    );
    assert.ok(m !== null && Number(m[2]) >= 5, `seed ${seed}: ${m?.[0]}`);
    if (Number(m[1]) >= 5) judged++;
  }
  // The last leader's lease ends are judged only once a write called after they were due is answered.
  assert.ok(judged >= 4, `seeds where lease-expiry judged 5 lease ends or more: ${judged} of 6`);
});

test("membership-change: every plan completes on the clean build, through refusals, with the leader itself removed on some seeds", () => {
  let leaderRemoved = 0;
  let notReady = 0;
  for (let seed = 1; seed <= 8; seed++) {
    const r = runScenario({ scenario: def(membershipChange), seed });
    assert.is(r.verdict, "pass", `seed ${seed}: ${JSON.stringify(r.checks.filter((c) => c.verdict !== "pass"))}`);
    const log = r.extra!.membership as { time: number; step: number; what: string }[];
    assert.is(
      log.filter((e) => e.what.startsWith("step done")).length,
      (r.options.membership as unknown[]).length,
      `seed ${seed}: every step`,
    );
    notReady += log.filter((e) => e.what.endsWith("learner-not-ready")).length;
    // A removal of "@leader" names the member leading when the step started: it led during the step.
    const plan = r.options.membership as { remove?: string }[];
    assert.ok(plan.length >= 4);
    plan.forEach((s, i) => {
      if (s.remove !== "@leader") return;
      const started = log.find((e) => e.step === i - 1 && e.what.startsWith("step done"))?.time ?? 0;
      const ended = log.find((e) => e.step === i && e.what.startsWith("step done"))!.time;
      const victim = /^remove (n\d+)/.exec(
        log.find((e) => e.step === i && e.what.startsWith("remove"))?.what ?? "",
      )?.[1];
      const ledThen = (t: number) =>
        r.timeline!.filter((p) => p.member === victim && p.time <= t).at(-1)?.role === "leader";
      if (
        victim !== undefined &&
        (ledThen(started) ||
          r.timeline!.some((p) => p.member === victim && p.role === "leader" && p.time >= started && p.time <= ended))
      )
        leaderRemoved++;
    });
  }
  assert.ok(leaderRemoved >= 1, `a leader removed on ${leaderRemoved} seeds`);
  assert.ok(notReady >= 4, `learner-not-ready refusals: ${notReady}`);
});

test("membership-change: two admins at once meet each other's pending change, are refused, and both plans complete", () => {
  let laneSeeds = 0;
  let pendingRefusals = 0;
  for (let seed = 1; seed <= 8; seed++) {
    const plan = resolveRun(def(membershipChange), seed).options.membership as { lane?: number }[];
    if (!plan.some((s) => s.lane === 1)) continue;
    laneSeeds++;
    const r = runScenario({ scenario: def(membershipChange), seed });
    assert.is(r.verdict, "pass", `seed ${seed}: ${JSON.stringify(r.checks.filter((c) => c.verdict !== "pass"))}`);
    const log = r.extra!.membership as { step: number; what: string }[];
    pendingRefusals += log.filter((e) => e.what.endsWith("conf-change-pending")).length;
  }
  assert.ok(laneSeeds >= 3, `seeds with two admins: ${laneSeeds} of 8`);
  assert.ok(pendingRefusals >= 2, `conf-change-pending refusals: ${pendingRefusals}`);
});

test("a plan that adds a removed member again cannot complete: etcd refuses the ID (id-removed)", () => {
  const loaded = validateScenarioFile(
    {
      scenario: "membership-change",
      seed: 5,
      options: {
        members: 3,
        spares: 1,
        faultPhaseUs: 2_000_000,
        livenessBoundUs: 2_000_000,
        membership: [{ add: "n4" }, { remove: "n4" }, { add: "n4" }],
      },
    },
    "plan.json",
  );
  const r = runScenario({ scenario: loaded.def, seed: 5, options: loaded.options });
  const membership = r.checks.find((c) => c.name === "membership")!;
  assert.is(membership.verdict, "fail");
  assert.match(membership.message, /stuck at step 3 of 3: addLearner n4: id-removed/);
});

test("membership-change runs a plan written in a scenario file", () => {
  const loaded = validateScenarioFile(
    {
      scenario: "membership-change",
      seed: 5,
      options: { members: 3, spares: 1, membership: [{ add: "n4" }, { remove: "@leader" }] },
    },
    "plan.json",
  );
  const r = runScenario({ scenario: loaded.def, seed: 5, options: loaded.options });
  assert.is(r.verdict, "pass", JSON.stringify(r.checks.filter((c) => c.verdict !== "pass")));
  assert.match(r.checks.find((c) => c.name === "membership")!.message, /^2 steps done \(voters now /);
});

test.run();
