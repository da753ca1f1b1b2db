// Random fault schedules for pure Raft nodes (fast-check arbitraries) and their interpreter: loss,
// duplication, reordering, partitions, crashes (losing un-synced writes, or keeping a torn prefix) and
// proposals, with the safety monitor watching every step; then a heal phase in which the cluster must
// elect a leader and apply every acknowledged proposal on every node within a bound.
import fc from "fast-check";
import type { BugSet } from "../../core/bugs.ts";
import type { ConfChangeType } from "../../core/raft/types.ts";
import { Cluster } from "./testkit.ts";
import { RaftSafetyMonitor } from "../../checkers/raft/monitor.ts";

export type Action =
  | { k: "tick"; n: number }
  | { k: "tickAll" }
  | { k: "deliver"; i: number }
  | { k: "deliverSome"; n: number; order: number }
  | { k: "deliverAll" }
  | { k: "drop"; i: number }
  | { k: "dup"; i: number }
  | { k: "sync"; n: number }
  | { k: "syncAll" }
  | { k: "propose"; n: number }
  | { k: "crash"; n: number; keep: number }
  | { k: "restart"; n: number }
  | { k: "partition"; mask: number }
  | { k: "heal" }
  | { k: "conf"; n: number; type: ConfChangeType }
  /** Joint consensus: swap voter `out` for server `in` in one step (C_old,new, then auto-leave). */
  | { k: "joint"; in: number; out: number };

export function actionArbFor(nodes: number): fc.Arbitrary<Action> {
  const n = fc.nat({ max: nodes - 1 });
  const i = fc.nat({ max: 1000 });
  return fc.oneof(
    { weight: 6, arbitrary: n.map((n): Action => ({ k: "tick", n })) },
    { weight: 10, arbitrary: fc.constant<Action>({ k: "tickAll" }) },
    { weight: 10, arbitrary: i.map((i): Action => ({ k: "deliver", i })) },
    {
      weight: 12,
      arbitrary: fc
        .record({ n: fc.integer({ min: 1, max: 20 }), order: fc.nat() })
        .map((r): Action => ({ k: "deliverSome", ...r })),
    },
    { weight: 6, arbitrary: fc.constant<Action>({ k: "deliverAll" }) },
    { weight: 4, arbitrary: i.map((i): Action => ({ k: "drop", i })) },
    { weight: 2, arbitrary: i.map((i): Action => ({ k: "dup", i })) },
    { weight: 6, arbitrary: n.map((n): Action => ({ k: "sync", n })) },
    { weight: 8, arbitrary: fc.constant<Action>({ k: "syncAll" }) },
    { weight: 10, arbitrary: n.map((n): Action => ({ k: "propose", n })) },
    { weight: 1, arbitrary: fc.record({ n, keep: fc.nat({ max: 3 }) }).map((r): Action => ({ k: "crash", ...r })) },
    { weight: 3, arbitrary: n.map((n): Action => ({ k: "restart", n })) },
    { weight: 1, arbitrary: fc.nat({ max: (1 << nodes) - 1 }).map((mask): Action => ({ k: "partition", mask })) },
    { weight: 2, arbitrary: fc.constant<Action>({ k: "heal" }) },
    {
      weight: 1,
      arbitrary: fc
        .record({ n, type: fc.constantFrom<ConfChangeType>("addVoter", "removeVoter", "addLearner") })
        .map((r): Action => ({ k: "conf", ...r })),
    },
    { weight: 1, arbitrary: fc.record({ in: n, out: n }).map((r): Action => ({ k: "joint", ...r })) },
  );
}

export interface RunOutcome {
  safety: string | undefined;
  liveness: string | undefined;
  stats?: {
    acknowledged: number;
    maxTerm: number;
    snapshots: number;
    overwrites: number;
    committed: number;
    jointChanges: number;
  };
}

/** Runs one schedule; safety is the monitor's first violation, liveness the heal phase's verdict. */
export interface ScheduleConfig {
  preVote?: boolean;
  checkQuorum?: boolean;
  bugs?: BugSet;
  /** Default HEAL_BOUND_TICKS. */
  healBoundTicks?: number;
}

/**
 * How long after heal the cluster has to elect a leader and catch everyone up, in ticks (electionTicks is
 * 6). Usually a few dozen; the slowest case known is a voter that missed the changes making the other voter
 * its peer (it only knows an older configuration, so it campaigns elsewhere and never contacts the other):
 * Raft ignores a lower-term MsgVote, so the other voter wins only once its own campaigns overtake the
 * stale voter's term — a race of two random election timers that took 300–600 ticks in the schedule kept
 * in fixtures/stale-voter-term-race.json.
 */
export const HEAL_BOUND_TICKS = 1_000;

export function runSchedule(
  nodes: number,
  actions: readonly Action[],
  seed: number,
  cfg: ScheduleConfig = {},
): RunOutcome {
  const ids = Array.from({ length: nodes }, (_, k) => `n${k + 1}`);
  const monitor = new RaftSafetyMonitor();
  const t = new Cluster({
    ids,
    seed,
    bugs: cfg.bugs,
    preVote: cfg.preVote,
    checkQuorum: cfg.checkQuorum,
    sync: "manual",
    electionTicks: 6,
    maxEntriesPerMsg: 4,
    maxInflight: 4,
    snapshotEvery: 9,
    observer: (v, ev) => monitor.observe(v.id, v, ev),
    onCrash: (id) => monitor.onCrash(id),
  });
  let proposals = 0;
  const id = (n: number) => ids[n % nodes]!;
  for (const a of actions) {
    switch (a.k) {
      case "tick":
        t.tick(id(a.n));
        break;
      case "tickAll":
        t.tickAll();
        break;
      case "deliver":
        if (t.queue.length > 0) t.deliverAt(a.i % t.queue.length);
        break;
      case "deliverSome":
        // Reordering: pick positions by a linear congruence on `order`.
        for (let k = 0, x = a.order; k < a.n && t.queue.length > 0; k++) {
          x = (Math.imul(x, 1103515245) + 12345) >>> 0;
          t.deliverAt(x % t.queue.length);
        }
        break;
      case "deliverAll":
        t.deliverAll();
        break;
      case "drop":
        if (t.queue.length > 0) t.dropAt(a.i % t.queue.length);
        break;
      case "dup":
        if (t.queue.length > 0) t.duplicateAt(a.i % t.queue.length);
        break;
      case "sync":
        if (t.isUp(id(a.n))) t.sync(id(a.n));
        break;
      case "syncAll":
        for (const x of ids) if (t.isUp(x)) t.sync(x);
        break;
      case "propose": {
        // Mostly to the leader (a client that found it), sometimes to anyone (forwarded or dropped).
        const target = a.n === 0 ? id(a.n) : (t.leader() ?? id(a.n));
        if (t.isUp(target)) t.propose(target, `p${++proposals}`);
        break;
      }
      case "crash":
        t.crash(id(a.n), a.keep);
        break;
      case "restart":
        t.restart(id(a.n));
        break;
      case "partition": {
        const side = ids.filter((_, k) => (a.mask >> k) & 1);
        const rest = ids.filter((x) => !side.includes(x));
        t.heal();
        if (side.length > 0 && rest.length > 0) t.partition(side, rest);
        break;
      }
      case "heal":
        t.heal();
        break;
      case "conf": {
        const l = t.leader();
        // Never shrink below three voters: with a configuration that takes effect when applied, removing
        // one of two voters can strand the other (etcd guards this with its strict reconfiguration check).
        if (l === undefined || (a.type !== "addVoter" && t.node(l).voters.length < 3)) break;
        t.proposeConfChange(l, { type: a.type, nodeId: id(a.n) });
        break;
      }
      case "joint": {
        const l = t.leader();
        const add = id(a.in),
          remove = id(a.out);
        if (l === undefined || add === remove || t.node(l).voters.length < 3) break;
        t.proposeConfChange(l, {
          type: "enterJoint",
          changes: [
            { type: "addVoter", nodeId: add },
            { type: "removeVoter", nodeId: remove },
          ],
        });
        break;
      }
    }
    if (monitor.violations.length > 0) break;
  }
  const r = monitor.result();
  if (r.verdict === "fail") return { safety: r.message, liveness: undefined };

  // Heal: every node up, every link open; a leader must emerge and every acknowledged write reach everyone.
  t.heal();
  for (const x of ids) t.restart(x);
  const acked = [...t.acknowledged];
  const converged = () => {
    const l = t.leader();
    if (l === undefined) return false;
    const n = t.node(l);
    if (n.commitIndex < n.lastIndex) return false;
    // Only current members are expected to keep up; a removed node is left behind by design.
    return [...n.voters, ...n.learners].every((x) => {
      const log = t.appliedEntries(x);
      return acked.every((p) => log[p.index - 1]?.term === p.term && log[p.index - 1]?.data === p.data);
    });
  };
  const live = t.runUntil(converged, cfg.healBoundTicks ?? HEAL_BOUND_TICKS);
  const r2 = monitor.result();
  if (r2.verdict === "fail") return { safety: r2.message, liveness: undefined };
  const up = ids.filter((x) => t.isUp(x)).map((x) => t.node(x));
  const stats = {
    acknowledged: acked.length,
    maxTerm: Math.max(...up.map((n) => n.term)),
    snapshots: t.delivered.get("MsgSnap") ?? 0,
    overwrites: up.reduce((a, n) => a + n.view().logOverwrites, 0),
    committed: Math.max(...up.map((n) => n.commitIndex)),
    jointChanges: Math.max(
      ...up.map(
        (n) =>
          t
            .appliedEntries(n.id)
            .filter((e) => e.type === "confChange" && (e.data as { type: string }).type === "enterJoint").length,
      ),
    ),
  };
  return {
    safety: undefined,
    liveness: live ? undefined : `not converged: leader=${t.leader() ?? "none"}, ${acked.length} acknowledged`,
    stats,
  };
}
