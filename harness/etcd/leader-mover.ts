// The operator who moves etcd's leadership by hand (`etcdctl move-leader`), as one does before taking
// the leader's machine down: a person with etcdctl, not a fault target. Used by rolling-restart.
import type { Actor, Env } from "../../core/env.ts";
import { MaintenanceClient } from "../../core/etcd/maintenance.ts";
import type { MoveLeaderCall } from "../../checkers/etcd/move-leader.ts";

/**
 * Every `everyUs` (jittered) until `stopAt`, picks a transferee — a voter, now and then itself the
 * leader, or with `strangerP` a name that is no member at all — and asks the members in turn, as
 * etcdctl asks the endpoint it found leading, until one leads (the others answer "not-leader") or all
 * have refused. Each answer of the leader, and each call left unanswered, is logged for the move-leader check.
 */
export function leaderMover(
  env: Env,
  o: {
    members: readonly string[];
    /** Names the operator may name that are no member (etcd must refuse them). */
    strangers: readonly string[];
    strangerP: number;
    everyUs: number;
    stopAt: number;
    timeoutUs: number;
    calls: MoveLeaderCall[];
    /** The world's true time, for the check (the operator's own clock may be skewed). */
    trueNow: () => number;
  },
): Actor {
  const maint = new MaintenanceClient(env, o.timeoutUs);
  const next = () => {
    const wait = Math.round(o.everyUs * (0.5 + env.rng.next()));
    if (o.trueNow() + wait < o.stopAt) env.setTimer(wait, move);
  };
  const move = () => {
    const transferee = env.rng.chance(o.strangerP) ? env.rng.pick(o.strangers) : env.rng.pick(o.members);
    const order = env.rng.shuffle([...o.members]);
    const ask = (i: number) => {
      if (i >= order.length) return next();
      const sentTo = order[i]!;
      const call: MoveLeaderCall = { sentTo, transferee, call: o.trueNow(), return: null, outcome: "unknown" };
      o.calls.push(call);
      maint.call(sentTo, { op: "moveLeader", transferee }, (r) => {
        const e = r.error;
        // A member that does not lead (or is stopping) sends etcdctl to the next endpoint.
        if (e === "not-leader") {
          call.return = o.trueNow();
          call.outcome = "not-leader";
          return ask(i + 1);
        }
        if (e === "stopped") {
          o.calls.splice(o.calls.indexOf(call), 1);
          return ask(i + 1);
        }
        if (e === undefined || e === "bad-leader-transferee" || e === "leader-transfer-timeout") {
          call.return = o.trueNow();
          call.outcome = e === undefined ? "ok" : e === "bad-leader-transferee" ? "bad-transferee" : "timed-out";
        }
        // Otherwise (no answer in time) the call stays unanswered: its outcome is unknown.
        next();
      });
    };
    ask(0);
  };
  return {
    start: next,
    onMessage: (from, msg) => void maint.onMessage(from, msg),
  };
}
