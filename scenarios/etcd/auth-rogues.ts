// auth-revoke's rogue clients: besides their KV requests outside every grant, each now and then watches
// the registry, logs in (as root with a guessed password, or as itself), turns auth off (the one with a
// user: etcd PR #22386), calls the Maintenance service (GHSA-q8m4-xhhv-38mg: etcd let anyone call Alarm)
// or changes membership (etcd #7181). What it asked and what it got is recorded for the auth checkers.
import type { AuthRequest } from "../../core/etcd/auth.ts";
import type { EtcdClient } from "../../core/etcd/client.ts";
import type { WatchHandle } from "../../core/etcd/kv.ts";
import { type AlarmChangeCall, MaintenanceClient, MemberChangeClient } from "../../core/etcd/maintenance.ts";
import type { MaintenanceRequest, MemberChange } from "../../core/etcd/protocol.ts";
import type { Env, Random } from "../../core/env.ts";
import type { MaintenanceCall } from "../../checkers/etcd/auth-maintenance.ts";
import type { AuthCall } from "../../checkers/etcd/auth-requests.ts";

export interface RogueOptions {
  env: Env;
  rng: Random;
  kv: EtcdClient;
  /** The rogue's client id and user (null: it sends no token), and its password if it has a user. */
  principal: { id: number; user: string | null; password?: string };
  members: readonly string[];
  thinkUs: number;
  requestTimeoutUs: number;
  /** True time, µs. */
  now: () => number;
  /** Where its Maintenance and membership calls, and its logins, are recorded. */
  calls: MaintenanceCall[];
  logins: AuthCall[];
  /** Where its alarm changes are logged as well (etcd-nospace). */
  alarmCalls?: AlarmChangeCall[];
  /**
   * True once root has turned auth off: the rogue makes no more moves of its own. With auth off anyone is
   * root, and a rogue's member removal or alarm would then be a change the run's other checks do not expect.
   */
  quiet?: () => boolean;
}

export class Rogue {
  private watch: WatchHandle | undefined;
  private guesses = 0;
  private readonly maint: MaintenanceClient;
  private readonly cluster: MemberChangeClient;

  constructor(private readonly o: RogueOptions) {
    this.maint = new MaintenanceClient(o.env, undefined, o.alarmCalls);
    this.cluster = new MemberChangeClient(o.env, o.requestTimeoutUs);
  }

  /**
   * Draws the rogue's own moves before a KV request (only after its first). True: it made a call and will
   * call `loop` once answered; false: the caller sends its next KV request.
   */
  act(loop: () => void): boolean {
    const { rng, kv, env } = this.o;
    if (this.o.quiet?.() === true) return false;
    // A watch of the registry, which it may not read (with no token at all, etcd must refuse it as a read).
    if (this.watch === undefined && rng.chance(0.05)) {
      this.watch = kv.watch({ key: "/registry/", rangeEnd: "/registry0" }, () => {});
      env.setTimer(rng.int(50_000, 400_000), () => {
        this.watch?.cancel();
        this.watch = undefined;
      });
    }
    const next = () => env.setTimer(rng.int(1, 2 * this.o.thinkUs), loop);
    if (rng.chance(0.02)) return this.login(next);
    // Auth off (etcd PR #22386: during a NOSPACE alarm it could).
    if (this.o.principal.user !== null && rng.chance(0.03)) {
      kv.authRequest({ op: "authDisable" }, next);
      return true;
    }
    if (rng.chance(0.03)) return this.admin(next);
    return false;
  }

  /** Feed messages here; returns false if they are not the rogue's Maintenance or membership answers. */
  onMessage(from: string, msg: unknown): boolean {
    return this.maint.onMessage(from, msg) || this.cluster.onMessage(from, msg);
  }

  /** As root with a guessed password, or (the one with a user) as itself. */
  private login(next: () => void): boolean {
    const { rng, principal } = this.o;
    // Root's guesses take turns: a word, and no password at all (etcd #5182 let an empty one through).
    const guess = this.guesses++ % 2 === 0 ? "letmein" : "";
    const request: AuthRequest =
      principal.user !== null && rng.chance(0.5)
        ? { op: "authenticate", name: principal.user, password: principal.password! }
        : { op: "authenticate", name: "root", password: guess };
    const login: AuthCall = { request, call: this.o.now(), return: Infinity, outcome: "unknown" };
    this.o.logins.push(login);
    this.o.kv.authRequest(request, (r) => {
      login.return = this.o.now();
      login.outcome = r.ok ? "ok" : r.unknown ? "unknown" : "refused";
      next();
    });
    return true;
  }

  /** Raise or disarm a NOSPACE alarm, list the alarms, defragment; or remove a member, add a learner. */
  private admin(next: () => void): boolean {
    const { rng, members } = this.o;
    const k = rng.int(0, 11);
    const target = members[rng.int(0, members.length - 1)]!;
    const member = members[rng.int(0, members.length - 1)]!;
    const token = this.o.kv.currentToken;
    if (k >= 9) {
      const change: MemberChange = k < 11 ? { op: "remove", id: target } : { op: "addLearner", id: "n9" };
      const record = this.record(token, member, change.op === "remove" ? "memberRemove" : "memberAddLearner");
      this.cluster.call(member, change, token, (error) => {
        this.answered(record, error === undefined ? undefined : error);
        next();
      });
      return true;
    }
    const request: MaintenanceRequest =
      k < 4
        ? { op: "alarmActivate", member: target, alarm: "NOSPACE" }
        : k < 6
          ? { op: "alarmDisarm", member: target, alarm: "NOSPACE" }
          : k < 8
            ? { op: "alarmList" }
            : { op: "defragment" };
    const record = this.record(token, member, request.op);
    this.maint.call(
      member,
      request,
      (r) => {
        this.answered(record, r.error);
        next();
      },
      token,
    );
    return true;
  }

  private record(token: string | undefined, member: string, op: MaintenanceCall["op"]): MaintenanceCall {
    const record: MaintenanceCall = {
      client: this.o.principal.id,
      user: token !== undefined ? this.o.principal.user : null,
      member,
      op,
      sentAt: this.o.now(),
      answeredAt: Infinity,
      outcome: "unknown",
    };
    this.o.calls.push(record);
    return record;
  }

  private answered(record: MaintenanceCall, error: string | undefined): void {
    record.answeredAt = this.o.now();
    record.outcome = error === undefined ? "ok" : error === "timeout" ? "unknown" : "refused";
  }
}
