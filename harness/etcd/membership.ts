// A membership operator (what an admin does with `etcdctl member add --learner / promote / remove`, or
// what etcd-operator does): a reconciler that walks a plan of steps — bring a new member in as a learner
// and promote it once caught up, or remove one — through etcd's Cluster service at the leader, one
// change at a time, retrying across leader changes, timeouts and refusals until each step holds.
// Every iteration starts from the leader's current configuration (MemberList), so a request whose
// outcome was unknown (a timeout) is simply looked at again.
import type { Actor, Env } from "../../core/env.ts";
import type { ClientMessage, MemberChange, MemberError, MemberMessage } from "../../core/etcd/protocol.ts";

import type { MembershipStep } from "../../checkers/etcd/membership.ts";

export type { MembershipStep };

export interface MembershipLogEntry {
  time: number;
  step: number;
  what: string;
}

export interface OperatorOptions {
  /** Every member it may ask (initial members and the ones it will add). */
  members: readonly string[];
  plan: readonly MembershipStep[];
  /** A request not answered within this is given up (outcome unknown) and asked elsewhere. */
  requestTimeoutUs: number;
  /** Pause between steps, so the cluster runs a while in each configuration. */
  stepGapUs: number;
  /** Virtual time for the log (true time, as for client histories). */
  trueNow: () => number;
}

/** What the operator did; read by the scenario's checks and reports. */
export interface OperatorState {
  /** Index of the step in progress; plan.length once every step held. */
  step: number;
  /** The member each "@leader" removal resolved to. */
  readonly resolved: Map<number, string>;
  readonly log: MembershipLogEntry[];
  /** Refusals by kind (learner-not-ready, unhealthy, …): the protocol's checks at work. */
  readonly refusals: Map<MemberError, number>;
}

interface Pending {
  reqId: number;
  timer: number;
  onReply: (m: Extract<MemberMessage, { type: "MemberResponse" }>) => void;
}

export function membershipOperator(env: Env, o: OperatorOptions): Actor & { state: OperatorState } {
  const state: OperatorState = { step: 0, resolved: new Map(), log: [], refusals: new Map() };
  /** Who to ask: a member the plan removed is dropped, as an admin drops it from etcdctl's --endpoints. */
  const endpoints = [...o.members];
  let endpoint = 0;
  let nextReq = 1;
  let pending: Pending | undefined;
  const note = (what: string) => state.log.push({ time: o.trueNow(), step: state.step, what });

  const ask = (msg: Extract<ClientMessage, { type: "MemberRequest" | "MemberList" }>, onReply: Pending["onReply"]) => {
    const to = endpoints[endpoint]!;
    // A list is cheap to ask again elsewhere; a change waits for its commit.
    const timer = env.setTimer(
      msg.type === "MemberList" ? Math.min(o.requestTimeoutUs, 300_000) : o.requestTimeoutUs,
      () => {
        pending = undefined;
        endpoint = (endpoint + 1) % endpoints.length;
        later(0);
      },
    );
    pending = { reqId: msg.reqId, timer, onReply };
    env.send(to, msg);
  };

  /** Follows a not-leader hint, or tries the next member. */
  const redirect = (hint: string | undefined) => {
    const i = hint !== undefined && hint !== "" ? endpoints.indexOf(hint) : -1;
    endpoint = i >= 0 ? i : (endpoint + 1) % endpoints.length;
  };

  const later = (us: number) => void env.setTimer(us, iterate);

  function iterate(): void {
    if (pending !== undefined || state.step >= o.plan.length) return;
    ask({ type: "MemberList", reqId: nextReq++ }, (r) => {
      if (r.error !== undefined || r.voters === undefined || r.learners === undefined) {
        redirect(r.leaderHint);
        return later(20_000);
      }
      act(r.voters, r.learners, endpoints[endpoint]!);
    });
  }

  function act(voters: readonly string[], learners: readonly string[], leader: string): void {
    const step = o.plan[state.step]!;
    let change: MemberChange;
    if ("add" in step) {
      if (voters.includes(step.add)) return stepDone(`${step.add} is a voter`);
      change = learners.includes(step.add) ? { op: "promote", id: step.add } : { op: "addLearner", id: step.add };
    } else {
      let victim = state.resolved.get(state.step);
      if (victim === undefined) {
        victim = step.remove === "@leader" ? leader : step.remove;
        state.resolved.set(state.step, victim);
      }
      if (!voters.includes(victim) && !learners.includes(victim)) {
        const i = endpoints.indexOf(victim);
        if (i >= 0 && endpoints.length > 1) {
          endpoints.splice(i, 1);
          endpoint %= endpoints.length;
        }
        return stepDone(`${victim} is removed`);
      }
      change = { op: "remove", id: victim };
    }
    ask({ type: "MemberRequest", reqId: nextReq++, change }, (r) => {
      if (r.error === undefined) {
        note(`${change.op} ${change.id}: applied`);
        return later(0);
      }
      state.refusals.set(r.error, (state.refusals.get(r.error) ?? 0) + 1);
      note(`${change.op} ${change.id}: ${r.error}`);
      if (r.error === "not-leader" || r.error === "no-leader") redirect(r.leaderHint);
      // A learner catching up or a member coming back takes a while; the rest is retried at once.
      later(r.error === "learner-not-ready" || r.error === "unhealthy" ? 100_000 : 20_000);
    });
  }

  function stepDone(what: string): void {
    note(`step done: ${what}`);
    state.step++;
    if (state.step < o.plan.length) later(o.stepGapUs);
  }

  return {
    state,
    start: () => later(0),
    onMessage(_from, raw) {
      const m = raw as MemberMessage;
      if (m.type !== "MemberResponse" || pending === undefined || m.reqId !== pending.reqId) return;
      const p = pending;
      pending = undefined;
      env.cancelTimer(p.timer);
      p.onReply(m);
    },
  };
}
