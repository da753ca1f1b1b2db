// A membership operator (what an admin does with `etcdctl member add --learner / promote / remove`, or
// what etcd-operator does): a reconciler that walks a plan of steps — bring a new member in as a learner
// and promote it once caught up, or remove one — through etcd's Cluster service at the leader, one
// change at a time, retrying across leader changes, timeouts and refusals until each step holds. A plan
// in several lanes is walked by as many admins side by side, each one change at a time: etcd (Raft's
// pending-change guard) must then refuse a change while another is still unapplied.
// Every iteration starts from the leader's current configuration (MemberList), so a request whose
// outcome was unknown (a timeout) is simply looked at again.
import type { Actor, Env } from "../../core/env.ts";
import type { ClientMessage, MemberChange, MemberError, MemberMessage } from "../../core/etcd/protocol.ts";

import type { MembershipRequest, MembershipStep } from "../../checkers/etcd/membership.ts";

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
  /** The steps that held, by index into the plan. */
  readonly done: Set<number>;
  /** The member each "@leader" removal resolved to. */
  readonly resolved: Map<number, string>;
  readonly log: MembershipLogEntry[];
  /** Refusals by kind (learner-not-ready, unhealthy, conf-change-pending, …): the protocol's checks at work. */
  readonly refusals: Map<MemberError, number>;
  /** Every change asked for, and its answer: the history the membership check holds the cluster to. */
  readonly requests: MembershipRequest[];
}

interface Pending {
  reqId: number;
  timer: number;
  onReply: (m: Extract<MemberMessage, { type: "MemberResponse" }>, from: string) => void;
}

/** One admin's walk through its steps: at most one request of its own in flight. */
interface Lane {
  /** Indices into the plan, in order. */
  readonly steps: number[];
  /** Position in `steps`; steps.length once every step held. */
  at: number;
  /** The member it asks, by index into the shared endpoints. */
  endpoint: number;
  pending: Pending | undefined;
}

export function membershipOperator(env: Env, o: OperatorOptions): Actor & { state: OperatorState } {
  const state: OperatorState = { done: new Set(), resolved: new Map(), log: [], refusals: new Map(), requests: [] };
  /** Who to ask: a member the plan removed is dropped, as an admin drops it from etcdctl's --endpoints. */
  const endpoints = [...o.members];
  let nextReq = 1;
  const lanes: Lane[] = [];
  o.plan.forEach((step, i) => {
    const k = step.lane ?? 0;
    while (lanes.length <= k) lanes.push({ steps: [], at: 0, endpoint: 0, pending: undefined });
    lanes[k]!.steps.push(i);
  });
  const stepOf = (lane: Lane) => lane.steps[lane.at]!;
  const note = (lane: Lane, what: string) => state.log.push({ time: o.trueNow(), step: stepOf(lane), what });

  const ask = (
    lane: Lane,
    msg: Extract<ClientMessage, { type: "MemberRequest" | "MemberList" }>,
    onReply: Pending["onReply"],
  ) => {
    const to = endpoints[lane.endpoint % endpoints.length]!;
    // A list is cheap to ask again elsewhere; a change waits for its commit.
    const timer = env.setTimer(
      msg.type === "MemberList" ? Math.min(o.requestTimeoutUs, 300_000) : o.requestTimeoutUs,
      () => {
        lane.pending = undefined;
        lane.endpoint = (lane.endpoint + 1) % endpoints.length;
        later(lane, 0);
      },
    );
    lane.pending = { reqId: msg.reqId, timer, onReply };
    env.send(to, msg);
  };

  /** Follows a not-leader hint, or tries the next member. */
  const redirect = (lane: Lane, hint: string | undefined) => {
    const i = hint !== undefined && hint !== "" ? endpoints.indexOf(hint) : -1;
    lane.endpoint = i >= 0 ? i : (lane.endpoint + 1) % endpoints.length;
  };

  const later = (lane: Lane, us: number) => void env.setTimer(us, () => iterate(lane));

  function iterate(lane: Lane): void {
    if (lane.pending !== undefined || lane.at >= lane.steps.length) return;
    ask(lane, { type: "MemberList", reqId: nextReq++ }, (r, from) => {
      if (r.error !== undefined || r.voters === undefined || r.learners === undefined) {
        redirect(lane, r.leaderHint);
        return later(lane, 20_000);
      }
      // The member that answered is the leader (only a leader lists); not endpoints[lane.endpoint], which
      // another lane's removal may have shifted while the list was asked.
      act(lane, r.voters, r.learners, from);
    });
  }

  function act(lane: Lane, voters: readonly string[], learners: readonly string[], leader: string): void {
    const index = stepOf(lane);
    const step = o.plan[index]!;
    let change: MemberChange;
    if ("add" in step) {
      if (voters.includes(step.add)) return stepDone(lane, `${step.add} is a voter`);
      change = learners.includes(step.add) ? { op: "promote", id: step.add } : { op: "addLearner", id: step.add };
    } else {
      let victim = state.resolved.get(index);
      if (victim === undefined) {
        victim = step.remove === "@leader" ? leaderVictim(lane, leader, voters) : step.remove;
        state.resolved.set(index, victim);
      }
      if (!voters.includes(victim) && !learners.includes(victim)) {
        const i = endpoints.indexOf(victim);
        if (i >= 0 && endpoints.length > 1) {
          endpoints.splice(i, 1);
          for (const l of lanes) if (l.endpoint >= endpoints.length) l.endpoint = 0;
        }
        return stepDone(lane, `${victim} is removed`);
      }
      change = { op: "remove", id: victim };
    }
    const asked: MembershipRequest = { op: change.op, id: change.id, call: o.trueNow(), return: null };
    state.requests.push(asked);
    ask(lane, { type: "MemberRequest", reqId: nextReq++, change }, (r) => {
      asked.return = o.trueNow();
      if (r.error !== undefined) asked.error = r.error;
      if (r.error === undefined) {
        note(lane, `${change.op} ${change.id}: applied`);
        return later(lane, 0);
      }
      state.refusals.set(r.error, (state.refusals.get(r.error) ?? 0) + 1);
      note(lane, `${change.op} ${change.id}: ${r.error}`);
      // A removed ID never comes back: the step cannot hold, and asking again would change nothing.
      if (r.error === "id-removed") return;
      if (r.error === "not-leader" || r.error === "no-leader") redirect(lane, r.leaderHint);
      // A learner catching up or a member coming back takes a while; the rest is retried at once.
      later(lane, r.error === "learner-not-ready" || r.error === "unhealthy" ? 100_000 : 20_000);
    });
  }

  /**
   * Whom an "@leader" step removes: the leader, unless another lane names it (adds it, removes it, or
   * resolved its own "@leader" to it) — an admin does not take the member a colleague is bringing in or
   * taking out; then the first voter no other lane names.
   */
  function leaderVictim(lane: Lane, leader: string, voters: readonly string[]): string {
    if (lanes.length === 1) return leader;
    const named = new Set<string>();
    for (const other of lanes) {
      if (other === lane) continue;
      for (const i of other.steps) {
        const s = o.plan[i]!;
        const id = "add" in s ? s.add : (state.resolved.get(i) ?? s.remove);
        named.add(id);
      }
    }
    if (!named.has(leader)) return leader;
    return voters.find((v) => !named.has(v)) ?? leader;
  }

  function stepDone(lane: Lane, what: string): void {
    note(lane, `step done: ${what}`);
    state.done.add(stepOf(lane));
    lane.at++;
    if (lane.at < lane.steps.length) later(lane, o.stepGapUs);
  }

  return {
    state,
    start: () => {
      for (const lane of lanes) later(lane, 0);
    },
    onMessage(from, raw) {
      const m = raw as MemberMessage;
      if (m.type !== "MemberResponse") return;
      const lane = lanes.find((l) => l.pending?.reqId === m.reqId);
      if (lane === undefined) return;
      const p = lane.pending!;
      lane.pending = undefined;
      env.cancelTimer(p.timer);
      p.onReply(m, from);
    },
  };
}
