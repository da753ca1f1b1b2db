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

/**
 * An alarm change a client asked for (etcdctl alarm disarm, or a raise), as the client saw it: "refused"
 * is a definite error (no leader to propose to, no permission), "unknown" no answer or a timeout. A call
 * refused definitely was never proposed, so it changes no alarm (etcd-nospace counts them).
 */
export interface AlarmChangeCall {
  op: "alarmActivate" | "alarmDisarm";
  /** The member whose alarm the call is about, and the member it went to. */
  target: string;
  sentTo: string;
  outcome: "ok" | "refused" | "unknown";
}

/** Request ids start high so they never meet a KV client's ids in the same process. */
const FIRST_ID = 2 ** 40;

/** Calls answered one at a time by the member they went to, each with a timeout: what both clients keep. */
class PendingCalls<R> {
  private nextReq = FIRST_ID;
  private readonly pending = new Map<number, { member: string; timer: TimerId; cb: (r: R) => void }>();

  constructor(
    private readonly env: Env,
    private readonly timeoutUs: number,
    private readonly timedOut: () => R,
  ) {}

  send(member: string, message: (reqId: number) => ClientMessage, cb: (r: R) => void): void {
    const reqId = this.nextReq++;
    const timer = this.env.setTimer(this.timeoutUs, () => {
      if (this.pending.delete(reqId)) cb(this.timedOut());
    });
    this.pending.set(reqId, { member, timer, cb });
    this.env.send(member, message(reqId));
  }

  /** An answer from `from`: only the member a call went to answers it. */
  answer(from: string, reqId: number, r: R): void {
    const p = this.pending.get(reqId);
    if (p === undefined || p.member !== from) return;
    this.pending.delete(reqId);
    this.env.cancelTimer(p.timer);
    p.cb(r);
  }
}

export class MaintenanceClient {
  private readonly calls: PendingCalls<MaintenanceResult>;

  /** `alarmCalls`: every alarm change this client asks for is logged there (outcome "unknown" until answered). */
  constructor(
    env: Env,
    timeoutUs = 1_000_000,
    private readonly alarmCalls?: AlarmChangeCall[],
  ) {
    this.calls = new PendingCalls<MaintenanceResult>(env, timeoutUs, () => ({ error: "timeout" }));
  }

  /** `token`: the caller's simple token (with etcd auth on, the Maintenance service checks it). */
  call(member: string, request: MaintenanceRequest, cb: (r: MaintenanceResult) => void, token?: string): void {
    let logged: AlarmChangeCall | undefined;
    if (this.alarmCalls !== undefined && (request.op === "alarmActivate" || request.op === "alarmDisarm")) {
      logged = { op: request.op, target: request.member, sentTo: member, outcome: "unknown" };
      this.alarmCalls.push(logged);
    }
    this.calls.send(
      member,
      (reqId) => ({ type: "Maintenance", reqId, request, ...(token !== undefined ? { token } : {}) }),
      logged === undefined
        ? cb
        : (r) => {
            logged.outcome = r.error === undefined ? "ok" : r.error === "timeout" ? "unknown" : "refused";
            cb(r);
          },
    );
  }

  /** Feed messages here; returns false if it was not a maintenance answer. */
  onMessage(from: string, raw: unknown): boolean {
    const m = raw as MemberMessage;
    if (m?.type !== "MaintenanceResponse") return false;
    this.calls.answer(from, m.reqId, m.result);
    return true;
  }
}

/**
 * One-shot membership changes (etcdctl member remove / add --learner): each call goes to one named
 * member, with the caller's token, and is answered by it (only a leader applies one) or times out.
 * The membership operator (harness/etcd/membership.ts) follows leaders and retries; this does neither.
 */
export class MemberChangeClient {
  private readonly calls: PendingCalls<MemberError | undefined>;

  constructor(env: Env, timeoutUs = 1_000_000) {
    this.calls = new PendingCalls<MemberError | undefined>(env, timeoutUs, () => "timeout");
  }

  call(
    member: string,
    change: MemberChange,
    token: string | undefined,
    cb: (e: MemberError | undefined) => void,
  ): void {
    this.calls.send(
      member,
      (reqId) => ({ type: "MemberRequest", reqId, change, ...(token !== undefined ? { token } : {}) }),
      cb,
    );
  }

  /** Feed messages here; returns false if it was not a membership answer. */
  onMessage(from: string, raw: unknown): boolean {
    const m = raw as MemberMessage;
    if (m?.type !== "MemberResponse") return false;
    this.calls.answer(from, m.reqId, m.error);
    return true;
  }
}
