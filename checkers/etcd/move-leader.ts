// etcd's MoveLeader (`etcdctl move-leader`), judged from outside. The leader asked answers success only
// once it follows the transferee (EtcdServer.MoveLeader polls s.Lead() until it is the transferee), so
// an "ok" promises that the transferee led at some moment between the call and the answer: a leader
// that answers on asking Raft alone tells an operator about to take the old leader's machine down that
// it no longer leads when it may lead still. And a transferee that is no voting member is refused at
// once (ErrBadLeaderTransferee), never handed to Raft (which ignores a transfer to a node it does not
// track, so the call would time out), while a voter is never refused as one. And a member refuses a move
// as "not leader" only if it did not lead throughout the call: one that leads must take it.
//
// Leadership is taken from every node's Raft views, not from any member's word: a tenure runs from the
// view in which a node became leader to the one in which it stopped leading (or its crash). Times are
// the world's true time, as the operator's calls record them.
import type { RaftView } from "../../core/raft/view.ts";
import type { CheckOf } from "../types.ts";

/**
 * One MoveLeader call as the operator saw the answer to it ("unknown": none came; "not-leader": the member
 * asked said it does not lead, and the operator asked the next one).
 */
export interface MoveLeaderCall {
  sentTo: string;
  transferee: string;
  call: number;
  return: number | null;
  outcome: "ok" | "bad-transferee" | "timed-out" | "not-leader" | "unknown";
}

const MAX_VIOLATIONS = 20;

export class MoveLeaderMonitor {
  /** Per node: its leader tenures [start, end] in true time (end undefined while it leads). */
  private readonly tenures = new Map<string, [number, number | undefined][]>();
  /** Every node that was a voter in some node's view, and those that were in every view. */
  private readonly everVoter = new Set<string>();
  private alwaysVoters: Set<string> | undefined;
  /** Per node: the voters array of its last view (a view's arrays change only with the configuration). */
  private readonly lastVoters = new Map<string, readonly string[]>();

  observe(view: RaftView, now: number): void {
    const t = this.tenures.get(view.id) ?? this.tenures.set(view.id, []).get(view.id)!;
    const open = t.length > 0 && t[t.length - 1]![1] === undefined;
    if (view.role === "leader" && !open) t.push([now, undefined]);
    else if (view.role !== "leader" && open) t[t.length - 1]![1] = now;
    if (this.lastVoters.get(view.id) !== view.voters) {
      this.lastVoters.set(view.id, view.voters);
      this.noteVoters(view.voters);
    }
  }

  private noteVoters(voters: readonly string[]): void {
    for (const v of voters) this.everVoter.add(v);
    this.alwaysVoters =
      this.alwaysVoters === undefined
        ? new Set(voters)
        : new Set([...this.alwaysVoters].filter((v) => voters.includes(v)));
  }

  /** A process went down: a leader among them stops leading then. */
  onCrash(id: string, now: number): void {
    const t = this.tenures.get(id);
    if (t !== undefined && t.length > 0 && t[t.length - 1]![1] === undefined) t[t.length - 1]![1] = now;
  }

  /** Whether `id` led throughout [from, to] (one tenure covering it). */
  private ledThroughout(id: string, from: number, to: number): boolean {
    return (this.tenures.get(id) ?? []).some(([s, e]) => s <= from && (e === undefined || e >= to));
  }

  /** Whether `id` led at some moment of [from, to]. */
  private ledWithin(id: string, from: number, to: number): boolean {
    return (this.tenures.get(id) ?? []).some(([s, e]) => s <= to && (e === undefined || e >= from));
  }

  result(calls: readonly MoveLeaderCall[]): CheckOf<"etcd-move-leader"> {
    const violations: string[] = [];
    const add = (s: string) => {
      if (violations.length < MAX_VIOLATIONS) violations.push(s);
    };
    const ms = (t: number) => `${(t / 1000).toFixed(1)} ms`;
    let ok = 0;
    let refused = 0;
    let notLeader = 0;
    for (const c of calls) {
      if (c.return === null) continue;
      const what = `move-leader to ${c.transferee} sent to ${c.sentTo} at ${ms(c.call)}`;
      if (c.outcome === "not-leader") {
        notLeader++;
        if (this.ledThroughout(c.sentTo, c.call, c.return))
          add(
            `${what} was refused at ${ms(c.return)} as not leader, though ${c.sentTo} led throughout: only a member that does not lead refuses a move so (ErrGRPCNotLeader)`,
          );
        continue;
      }
      const voter = this.everVoter.has(c.transferee);
      if (c.outcome === "ok") {
        ok++;
        if (!this.ledWithin(c.transferee, c.call, c.return))
          add(
            `${what} was answered ok at ${ms(c.return)}, but ${c.transferee} did not lead at any moment in between: etcd's MoveLeader answers only once the leader follows the transferee`,
          );
      } else if (c.outcome === "bad-transferee") {
        refused++;
        if (this.alwaysVoters?.has(c.transferee) === true)
          add(
            `${what} was refused at ${ms(c.return)} as a bad leader transferee, though ${c.transferee} was a voter throughout the run: etcd refuses only a transferee that is no member or a learner`,
          );
      } else if (c.outcome === "timed-out" && !voter) {
        add(
          `${what} timed out at ${ms(c.return)}, though ${c.transferee} never was a voter: etcd refuses such a transferee at once (ErrBadLeaderTransferee) instead of handing it to Raft, which ignores it`,
        );
      }
    }
    if (violations.length > 0)
      return {
        name: "etcd-move-leader",
        verdict: "fail",
        message: `${violations[0]}${violations.length > 1 ? ` (and ${violations.length - 1} more)` : ""}`,
        evidence: { violations },
      };
    const unknown = calls.filter((c) => c.return === null).length;
    const timedOut = calls.length - ok - refused - notLeader - unknown;
    return {
      name: "etcd-move-leader",
      verdict: "pass",
      message: `${calls.length} move-leader calls: ${ok} ok (each transferee led before the answer), ${refused} refused as bad transferees (none a voter), ${notLeader} refused as not leader (none by a member leading throughout), ${timedOut} timed out, ${unknown} unanswered`,
    };
  }
}
