// etcd's graceful stop, judged from outside: a member sent SIGTERM exits within a bound. etcd's Close
// first stops its client servers with gRPC's GracefulStop, which waits for every RPC in flight, and a
// watch stream is one that its client may never end: until etcd cut the streams left at its request
// timeout (PR #8267), a member with an open watch never exited on SIGTERM (etcd #8224) — and kept
// refusing every new request meanwhile, so an upgrade that waits for it never goes on. After the drain a
// leader hands leadership over, waiting up to the request timeout again; then it exits. So the bound is
// a request timeout (etcd's ReqTimeout: the request timeout and two election timeouts), two for a member
// that led at some moment of its stop, and a margin for the final fsync and clock drift, counted in the
// member's running time (a pause holds its timers).
import type { CheckOf } from "../types.ts";

export interface GracefulStopOptions {
  /** etcd's ReqTimeout as the members run it: the request timeout and two election timeouts (µs). */
  requestTimeoutUs: number;
  /** Slack for the last fsync, a slow disk and a fast or slow clock (µs; default 500 ms). */
  marginUs?: number;
}

interface Stop {
  process: string;
  asked: number;
  down: number | undefined;
  /** It led at some moment of its stop (its Raft views said so): a transfer may have followed the drain. */
  led: boolean;
}

const MAX_VIOLATIONS = 20;

export class GracefulStopMonitor {
  private readonly stops: Stop[] = [];
  private readonly open = new Map<string, Stop>();
  /** Per process: its pauses ([start, end]; end undefined while paused). */
  private readonly pauses = new Map<string, [number, number | undefined][]>();
  private readonly requestTimeoutUs: number;
  private readonly marginUs: number;

  constructor(
    private readonly isMember: (process: string) => boolean,
    opts: GracefulStopOptions,
  ) {
    this.requestTimeoutUs = opts.requestTimeoutUs;
    this.marginUs = opts.marginUs ?? 300_000;
  }

  /** A member's Raft role as its views show it (only the roles of members stopping matter). */
  onRole(process: string, leader: boolean): void {
    if (!leader || this.open.size === 0) return;
    const s = this.open.get(process);
    if (s !== undefined) s.led = true;
  }

  onStop(ev: { time: number; process: string; phase: "asked" | "down" }): void {
    if (!this.isMember(ev.process)) return;
    if (ev.phase === "asked") {
      const s: Stop = { process: ev.process, asked: ev.time, down: undefined, led: false };
      this.stops.push(s);
      this.open.set(ev.process, s);
    } else {
      const s = this.open.get(ev.process);
      if (s !== undefined) s.down = ev.time;
      this.open.delete(ev.process);
    }
  }

  onLifecycle(process: string, kind: string, time: number): void {
    if (!this.isMember(process)) return;
    const p = this.pauses.get(process) ?? this.pauses.set(process, []).get(process)!;
    if (kind === "pause") p.push([time, undefined]);
    else if (kind === "resume" && p.length > 0 && p[p.length - 1]![1] === undefined) p[p.length - 1]![1] = time;
  }

  /** Running time of `process` in [from, to]: wall time less its pauses. */
  private running(process: string, from: number, to: number): number {
    let paused = 0;
    for (const [s, e] of this.pauses.get(process) ?? [])
      paused += Math.max(0, Math.min(e ?? to, to) - Math.max(s, from));
    return to - from - paused;
  }

  /** Undefined when no member was stopped gracefully (the check has nothing to judge). */
  result(now: number): CheckOf<"etcd-graceful-stop"> | undefined {
    if (this.stops.length === 0) return undefined;
    const violations: string[] = [];
    let longest = 0;
    for (const s of this.stops) {
      const end = s.down ?? now;
      const took = this.running(s.process, s.asked, end);
      if (s.down !== undefined) longest = Math.max(longest, took);
      const bound = (s.led ? 2 : 1) * this.requestTimeoutUs + this.marginUs;
      if (took <= bound || violations.length >= MAX_VIOLATIONS) continue;
      violations.push(
        `${s.process}, stopped gracefully at ${(s.asked / 1000).toFixed(1)} ms, ${s.down === undefined ? "had not exited by the end of the run" : `exited only at ${(s.down / 1000).toFixed(1)} ms`}: ${(took / 1000).toFixed(0)} ms of running time, past the ${(bound / 1000).toFixed(0)} ms a drain cut at the request timeout${s.led ? " and a leadership transfer allow" : " allows a member that did not lead"} (etcd #8224: open watch streams held a stopping member up for ever)`,
      );
    }
    if (violations.length > 0)
      return {
        name: "etcd-graceful-stop",
        verdict: "fail",
        message: `${violations[0]}${violations.length > 1 ? ` (and ${violations.length - 1} more)` : ""}`,
        evidence: { violations },
      };
    return {
      name: "etcd-graceful-stop",
      verdict: "pass",
      message: `${this.stops.length} graceful stops of members (${this.stops.filter((s) => s.led).length} of a leader), each down within ${((this.requestTimeoutUs + this.marginUs) / 1000).toFixed(0)} ms of running time, ${((2 * this.requestTimeoutUs + this.marginUs) / 1000).toFixed(0)} ms for a leader (the longest ${(longest / 1000).toFixed(0)} ms)`,
    };
  }
}
