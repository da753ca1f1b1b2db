// etcd's strict reconfiguration check (--strict-reconfig-check, on by default), judged from outside: a
// leader proposes the removal of a voter, or the promotion of a learner, only if a quorum of the voters
// the change leads to are active — heard from lately (etcd's mayRemoveMember and mayPromoteMember; PR
// #6156 "reject member removal that breaks active quorum"). Without it an admin who removes a healthy
// member while another is down leaves a cluster that cannot commit until the down one returns: nothing
// unsafe, so no safety rule sees it, and liveness only if the down member never comes back.
//
// The leader's own account is not trusted: this keeps, from every node's Raft views (each carries the
// peer message the node just stepped), when each node last heard from each peer, and the configuration
// it last applied; the leader only reports that it proposed a change. Active means heard within an
// election timeout (this simulated etcd asks its transport the same; real etcd asks for a connection
// that has lasted 5 s), plus a tick of leniency. What a node heard is kept across its restarts, so the
// record never holds a peer inactive that the leader could still count active. The converse is judged
// with the opposite margin: a refusal as unhealthy fails if a quorum of the voters the change leads to had
// been heard within an election timeout (as the run's fastest clock shortens it) less a tick.
import type { RaftView } from "../../core/raft/view.ts";
import type { CheckOf } from "../types.ts";

export type ReconfigOp = "addLearner" | "promote" | "remove";

export interface ReconfigHealthOptions {
  electionTimeoutUs: number;
  tickUs: number;
  /** The run's fastest clock drift (ppm): a leader whose clock runs fast finds a peer idle sooner. */
  maxDriftPpm?: number;
}

const MAX_VIOLATIONS = 20;

export class ReconfigHealthMonitor {
  /** Per node: per peer, the last time the node stepped a Raft message from it. */
  private readonly heard = new Map<string, Map<string, number>>();
  /** Per node: the voters of the configuration in its last view (arrays never mutated). */
  private readonly voters = new Map<string, readonly string[]>();
  private readonly activeUs: number;
  /** Heard within this: active by any leader's count, however fast its clock and whenever it looked. */
  private readonly surelyActiveUs: number;
  readonly violations: string[] = [];
  judged = 0;
  refusalsJudged = 0;

  constructor(opts: ReconfigHealthOptions) {
    this.activeUs = opts.electionTimeoutUs + opts.tickUs;
    this.surelyActiveUs =
      Math.floor((opts.electionTimeoutUs * 1e6) / (1e6 + Math.max(0, opts.maxDriftPpm ?? 0))) - opts.tickUs;
  }

  observe(view: RaftView, now: number): void {
    this.voters.set(view.id, view.voters);
    const m = view.stepped;
    if (m === undefined) return;
    const h = this.heard.get(view.id) ?? this.heard.set(view.id, new Map()).get(view.id)!;
    h.set(m.from, now);
  }

  /** `leader` proposed a membership change (it passed the leader's checks). */
  onProposed(leader: string, op: ReconfigOp, id: string, now: number): void {
    const c = this.change(leader, op, id, now);
    if (c === undefined) return;
    this.judged++;
    const { next, lastHeard, quorum } = c;
    const active = next.filter((v) => now - lastHeard(v) <= this.activeUs);
    if (active.length >= quorum || this.violations.length >= MAX_VIOLATIONS) return;
    const idle = next
      .filter((v) => !active.includes(v))
      .map((v) => {
        const t = lastHeard(v);
        return t === Number.NEGATIVE_INFINITY ? `${v} never` : `${v} ${((now - t) / 1000).toFixed(0)} ms ago`;
      });
    this.violations.push(
      `${leader} proposed ${op === "remove" ? "removing" : "promoting"} ${id} at ${(now / 1000).toFixed(1)} ms, leading to voters [${next.join(", ")}] of which ${active.length} were active, fewer than a quorum of ${quorum} (last heard: ${idle.join(", ")}; active: heard within ${(this.activeUs / 1000).toFixed(0)} ms): etcd's strict reconfiguration check refuses a change that leaves no active quorum (ErrUnhealthy)`,
    );
  }

  /**
   * `leader` refused a change as unhealthy. The converse rule: it may only if the voters the change leads
   * to lacked an active quorum, so a refusal while a quorum of them had surely been heard from lately
   * fails (a check counting too strictly keeps an admin from replacing a member of a healthy cluster).
   */
  onRefused(leader: string, op: ReconfigOp, id: string, now: number): void {
    const c = this.change(leader, op, id, now);
    if (c === undefined) return;
    this.refusalsJudged++;
    const { next, lastHeard, quorum } = c;
    const active = next.filter((v) => now - lastHeard(v) <= this.surelyActiveUs);
    if (active.length < quorum || this.violations.length >= MAX_VIOLATIONS) return;
    this.violations.push(
      `${leader} refused ${op === "remove" ? "removing" : "promoting"} ${id} as unhealthy at ${(now / 1000).toFixed(1)} ms, though ${active.length} of the voters it leads to [${next.join(", ")}] had been heard within ${(this.surelyActiveUs / 1000).toFixed(0)} ms (${active.join(", ")}), a quorum of ${quorum}: etcd refuses only a change that leaves no active quorum`,
    );
  }

  /**
   * The voters a removal or promotion leads to, in `leader`'s last applied configuration, with when the
   * leader last heard each (itself: now); undefined for a change that moves no quorum (adding a learner,
   * removing one).
   */
  private change(
    leader: string,
    op: ReconfigOp,
    id: string,
    now: number,
  ): { next: string[]; lastHeard: (v: string) => number; quorum: number } | undefined {
    const voters = this.voters.get(leader) ?? [];
    if (op === "addLearner" || (op === "remove" && !voters.includes(id))) return undefined;
    const next = op === "remove" ? voters.filter((v) => v !== id) : [...voters, id];
    const heard = this.heard.get(leader);
    const lastHeard = (v: string) => (v === leader ? now : (heard?.get(v) ?? Number.NEGATIVE_INFINITY));
    return { next, lastHeard, quorum: Math.floor(next.length / 2) + 1 };
  }

  result(): CheckOf<"etcd-reconfig-health"> {
    if (this.violations.length > 0)
      return {
        name: "etcd-reconfig-health",
        verdict: "fail",
        message: `${this.violations[0]}${this.violations.length > 1 ? ` (and ${this.violations.length - 1} more)` : ""}`,
        evidence: { violations: this.violations },
      };
    return {
      name: "etcd-reconfig-health",
      verdict: "pass",
      message: `${this.judged} voter removals and promotions proposed, each leaving a quorum of active voters; ${this.refusalsJudged} refused as unhealthy, each without one`,
    };
  }
}
