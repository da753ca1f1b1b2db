// Clients of etcd's Maintenance service (etcdctl alarm list / activate / disarm, defrag, endpoint
// status) and of its one-shot membership changes (etcdctl member remove / add): each call goes to one
// named member, with the caller's token if it has one, and is answered by it, or times out.
// Callbacks, not Promises, like the KV client (a Promise would resume outside the simulated clock).
import type { Env, TimerId } from "../env.ts";
import type {
  ClientMessage,
  MaintenanceRequest,
  MaintenanceResult,
  MemberChange,
  MemberError,
  MemberMessage,
} from "./protocol.ts";

/** Request ids start high so they never meet a KV client's ids in the same process. */
const FIRST_ID = 2 ** 40;

export class MaintenanceClient {
  private nextReq = FIRST_ID;
  private readonly pending = new Map<number, { member: string; timer: TimerId; cb: (r: MaintenanceResult) => void }>();

  constructor(
    private readonly env: Env,
    private readonly timeoutUs = 1_000_000,
  ) {}

  /** `token`: the caller's simple token (with etcd auth on, the Maintenance service checks it). */
  call(member: string, request: MaintenanceRequest, cb: (r: MaintenanceResult) => void, token?: string): void {
    const reqId = this.nextReq++;
    const timer = this.env.setTimer(this.timeoutUs, () => {
      if (this.pending.delete(reqId)) cb({ error: "timeout" });
    });
    this.pending.set(reqId, { member, timer, cb });
    this.env.send(member, { type: "Maintenance", reqId, request, ...(token !== undefined ? { token } : {}) });
  }

  /** Feed messages here; returns false if it was not a maintenance answer. */
  onMessage(from: string, raw: unknown): boolean {
    const m = raw as MemberMessage;
    if (m?.type !== "MaintenanceResponse") return false;
    const p = this.pending.get(m.reqId);
    if (p === undefined || p.member !== from) return true;
    this.pending.delete(m.reqId);
    this.env.cancelTimer(p.timer);
    p.cb(m.result);
    return true;
  }
}

/**
 * One-shot membership changes (etcdctl member remove / add --learner): each call goes to one named
 * member, with the caller's token, and is answered by it (only a leader applies one) or times out.
 * The membership operator (harness/etcd/membership.ts) follows leaders and retries; this does neither.
 */
export class MemberChangeClient {
  private nextReq = FIRST_ID;
  private readonly pending = new Map<
    number,
    { member: string; timer: TimerId; cb: (e: MemberError | undefined) => void }
  >();

  constructor(
    private readonly env: Env,
    private readonly timeoutUs = 1_000_000,
  ) {}

  call(
    member: string,
    change: MemberChange,
    token: string | undefined,
    cb: (e: MemberError | undefined) => void,
  ): void {
    const reqId = this.nextReq++;
    const timer = this.env.setTimer(this.timeoutUs, () => {
      if (this.pending.delete(reqId)) cb("timeout");
    });
    this.pending.set(reqId, { member, timer, cb });
    this.env.send(member, {
      type: "MemberRequest",
      reqId,
      change,
      ...(token !== undefined ? { token } : {}),
    } satisfies ClientMessage);
  }

  /** Feed messages here; returns false if it was not a membership answer. */
  onMessage(from: string, raw: unknown): boolean {
    const m = raw as MemberMessage;
    if (m?.type !== "MemberResponse") return false;
    const p = this.pending.get(m.reqId);
    if (p === undefined || p.member !== from) return true;
    this.pending.delete(m.reqId);
    this.env.cancelTimer(p.timer);
    p.cb(m.error);
    return true;
  }
}
