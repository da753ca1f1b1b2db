// CheckQuorum, judged from outside: a leader that has not heard from a quorum of its voters steps down
// (etcd runs Raft with CheckQuorum on; etcd-io/raft's stepLeader on MsgCheckQuorum). Every election
// timeout the leader asks whether each voter has sent it an append or heartbeat answer since the last
// time it asked, and steps down if not a quorum has; so a leader cut off from a quorum stops leading
// within two election timeouts of its own running time. A leader that keeps leading past that bound
// keeps clients on a member that can commit nothing and serve no linearizable read, and stands in the
// way of the leader lease the others' pre-votes rely on.
//
// Fed the Raft views of every node (each carries the peer message the node just stepped) and the
// processes' pauses, it tracks, per leader tenure, when the leader last stepped a message of its term
// from each voter, and measures the leader's running time (virtual time less its pauses, during which it
// ticks no timer). A message of any type counts as hearing from the voter, a leniency: the leader itself
// counts only append and heartbeat answers. A voter that joins the leader's configuration counts as heard
// when it joins (etcd-io/raft marks a new progress recently active, so that a check right after the change
// does not step the leader down), and the bound is three election timeouts, not two: a leadership
// transfer restarts the leader's election timer (a removed leader hands off before it steps down), which
// puts its next check up to an election timeout later (membership-change seed 514: a new voter not yet
// heard from, and the last answer of another 250 ms old after a transfer).
//
// And the converse: a leader steps down in its own term (not for a higher term, nor because it is no
// longer a voter) only when a check found no quorum active, so never while a quorum of its voters had
// answered its appends or heartbeats within the last election timeout of its running time (taken as 70 %
// of it, for a fast clock and the check's phase). A leader that steps down needlessly costs an election
// each time, and under a minority's failure the cluster never settles (etcd #5879: a reported snapshot
// reset a follower's recent activity, and CheckQuorum stepped the leader down though a quorum was active).
import type { RaftView } from "../../core/raft/view.ts";
import type { CheckOf } from "../types.ts";

export interface CheckQuorumOptions {
  /** The leader's election timeout (electionTicks × tickUs). */
  electionTimeoutUs: number;
  tickUs: number;
  /** The largest clock drift of the run, in ppm: a leader whose clock runs fast checks its quorum sooner. */
  maxDriftPpm?: number;
}

interface Tenure {
  term: number;
  since: number;
  /** Per voter: the last time the leader stepped a message of its term from it (or saw it join). */
  heard: Map<string, number>;
  /** The configuration arrays whose voters are in `heard` already. */
  voters: readonly string[];
  outgoing: readonly string[];
  /** Until this time the voters heard from so far make a quorum, whatever is heard next. */
  quorumUntil: number;
  /** Per voter: the last time the leader stepped an append or heartbeat answer of its term from it. */
  answered: Map<string, number>;
  reported: boolean;
}

const MAX_VIOLATIONS = 20;

export class CheckQuorumMonitor {
  private readonly tenures = new Map<string, Tenure>();
  /** Per process: its pauses so far ([start, end]; end undefined while paused). */
  private readonly pauses = new Map<string, [number, number | undefined][]>();
  private readonly boundUs: number;
  /** Answers within this much running time before a step-down were surely counted by the check that made it. */
  private readonly answeredWithinUs: number;
  readonly violations: string[] = [];
  tenuresSeen = 0;

  constructor(opts: CheckQuorumOptions) {
    // Two election timeouts (the check that saw the last answer, then the one that sees none), one more
    // for a leadership transfer that restarted the timer in between, and a few ticks for the timer's phase.
    this.boundUs = 3 * opts.electionTimeoutUs + 5 * opts.tickUs;
    this.answeredWithinUs = (0.7 * opts.electionTimeoutUs) / (1 + Math.max(0, opts.maxDriftPpm ?? 0) / 1e6);
  }

  /** A process paused, resumed or crashed (a crash ends its tenure). */
  onLifecycle(process: string, kind: "crash" | "restart" | "pause" | "resume", time: number): void {
    if (kind === "crash") this.tenures.delete(process);
    const ps = this.pauses.get(process) ?? this.pauses.set(process, []).get(process)!;
    if (kind === "pause") ps.push([time, undefined]);
    else if (kind === "resume" || kind === "crash") {
      const last = ps.at(-1);
      if (last !== undefined && last[1] === undefined) last[1] = time;
    }
  }

  /** The time `process` ran (was not paused) between `from` and `to`. */
  private ranFor(process: string, from: number, to: number): number {
    let paused = 0;
    for (const [s, e] of this.pauses.get(process) ?? []) {
      const start = Math.max(s, from);
      const end = Math.min(e ?? to, to);
      if (end > start) paused += end - start;
    }
    return to - from - paused;
  }

  observe(view: RaftView, now: number): void {
    if (view.role !== "leader") {
      const was = this.tenures.get(view.id);
      if (was !== undefined) {
        if (was.term === view.term && view.voters.includes(view.id)) this.judgeStepDown(view.id, was, now);
        this.tenures.delete(view.id);
      }
      return;
    }
    let t = this.tenures.get(view.id);
    if (t === undefined || t.term !== view.term) {
      t = {
        term: view.term,
        since: now,
        heard: new Map(),
        voters: [],
        outgoing: [],
        quorumUntil: 0,
        answered: new Map(),
        reported: false,
      };
      this.tenures.set(view.id, t);
      this.tenuresSeen++;
    }
    // A voter of the tenure's first configuration, or one that joined since, is heard from when first seen.
    // The node replaces its configuration's arrays on a change and never mutates them, so an array already
    // walked holds no one new.
    if (t.voters !== view.voters) {
      t.voters = view.voters;
      t.quorumUntil = 0;
      for (const v of view.voters) if (!t.heard.has(v)) t.heard.set(v, now);
    }
    if (t.outgoing !== view.votersOutgoing) {
      t.outgoing = view.votersOutgoing;
      t.quorumUntil = 0;
      for (const v of view.votersOutgoing) if (!t.heard.has(v)) t.heard.set(v, now);
    }
    const m = view.stepped;
    if (m !== undefined && m.term === view.term && m.from !== view.id) {
      t.heard.set(m.from, now);
      if (m.type === "MsgAppResp" || m.type === "MsgHeartbeatResp") t.answered.set(m.from, now);
    }
    if (t.reported || now <= t.quorumUntil || !this.ranLongerThanBound(view.id, t.since, now)) return;
    if (
      this.heardFromMajority(view.voters, view.id, t, now) &&
      this.heardFromMajority(view.votersOutgoing, view.id, t, now)
    ) {
      t.quorumUntil = Math.min(
        this.quorumHeardUntil(view.voters, view.id, t),
        this.quorumHeardUntil(view.votersOutgoing, view.id, t),
      );
      return;
    }
    t.reported = true;
    if (this.violations.length >= MAX_VIOLATIONS) return;
    const voters = [...view.voters, ...view.votersOutgoing.filter((v) => !view.voters.includes(v))];
    const last = voters
      .filter((v) => v !== view.id)
      .map((v) => {
        return `${v} ${((now - t!.heard.get(v)!) / 1000).toFixed(0)} ms ago`;
      });
    this.violations.push(
      `${view.id} still leads term ${view.term} at ${(now / 1000).toFixed(1)} ms, though it heard from no quorum of its voters for over ${(this.boundUs / 1000).toFixed(0)} ms of its running time (last heard: ${last.join(", ")}): CheckQuorum steps a leader down within two election timeouts (three across a leadership transfer)`,
    );
  }

  /** A leader stepped down in its own term, still a voter: only a check that found no quorum active does that. */
  private judgeStepDown(leader: string, t: Tenure, now: number): void {
    const recent = (v: string) => {
      if (v === leader) return true;
      const at = t.answered.get(v);
      return at !== undefined && this.ranFor(leader, at, now) < this.answeredWithinUs;
    };
    const quorum = (vs: readonly string[]) => vs.length === 0 || vs.filter(recent).length * 2 > vs.length;
    if (!quorum(t.voters) || !quorum(t.outgoing) || this.violations.length >= MAX_VIOLATIONS) return;
    const answers = t.voters
      .filter((v) => v !== leader)
      .map((v) => {
        const at = t.answered.get(v);
        return at === undefined ? `${v} never` : `${v} ${((now - at) / 1000).toFixed(0)} ms ago`;
      });
    this.violations.push(
      `${leader} stepped down from term ${t.term} at ${(now / 1000).toFixed(1)} ms, though a quorum of its voters had answered its appends or heartbeats within the last election timeout (${answers.join(", ")}): CheckQuorum steps a leader down only when no quorum is active`,
    );
  }

  /**
   * Whether `process` ran for longer than the bound between `from` and `now`. Running time never exceeds
   * virtual time, so a span within the bound on the clock needs no walk over the pauses (the common case:
   * a leader hears from its voters every heartbeat).
   */
  private ranLongerThanBound(process: string, from: number, now: number): boolean {
    return now - from > this.boundUs && this.ranFor(process, from, now) > this.boundUs;
  }

  /**
   * Until when a majority of `vs` stays heard from on the clock alone: the last time heard only moves
   * forward, and running time never exceeds virtual time.
   */
  private quorumHeardUntil(vs: readonly string[], leader: string, t: Tenure): number {
    if (vs.length === 0) return Number.POSITIVE_INFINITY;
    const heard = vs.map((v) => (v === leader ? Number.POSITIVE_INFINITY : t.heard.get(v)!)).sort((a, b) => b - a);
    return heard[Math.floor(vs.length / 2)]! + this.boundUs;
  }

  private heardFromMajority(vs: readonly string[], leader: string, t: Tenure, now: number): boolean {
    if (vs.length === 0) return true;
    let heard = 0;
    for (const v of vs) if (v === leader || !this.ranLongerThanBound(leader, t.heard.get(v)!, now)) heard++;
    return heard * 2 > vs.length;
  }

  result(): CheckOf<"raft-check-quorum"> {
    if (this.violations.length > 0)
      return {
        name: "raft-check-quorum",
        verdict: "fail",
        message: `${this.violations[0]}${this.violations.length > 1 ? ` (and ${this.violations.length - 1} more)` : ""}`,
        evidence: { violations: this.violations },
      };
    return {
      name: "raft-check-quorum",
      verdict: "pass",
      message: `${this.tenuresSeen} leader tenures: each heard from a quorum within three election timeouts, or stepped down`,
    };
  }
}
