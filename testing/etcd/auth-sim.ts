// A small simulated etcd cluster driven one request at a time, for the auth tests and the differential
// test against a real etcd: members n1..nN, and named client processes that each talk to one member.
// Every call runs the simulated world until the answer arrives (or a bound passes).
import type { BugName } from "../../core/bugs.ts";
import { BugSet } from "../../core/bugs.ts";
import { World } from "../../sim/world.ts";
import type { EtcdRequest, EtcdResponse, WatchCreateRequest, WatchResponse } from "../../core/mvcc/rpc.ts";
import type { AuthRequest, AuthResponse } from "../../core/etcd/auth.ts";
import { EtcdClient, HistoryRecorder } from "../../core/etcd/client.ts";
import type { KvResult } from "../../core/etcd/kv.ts";
import { EtcdMember } from "../../core/etcd/member.ts";
import { MaintenanceClient, MemberChangeClient } from "../../core/etcd/maintenance.ts";
import type { MaintenanceRequest, MaintenanceResult, MemberChange, MemberError } from "../../core/etcd/protocol.ts";

export class AuthSim {
  readonly world: World;
  readonly members: string[];
  readonly recorder: HistoryRecorder;
  private readonly clients = new Map<string, EtcdClient>();
  private readonly maint = new Map<EtcdClient, MaintenanceClient>();
  private readonly changes = new Map<EtcdClient, MemberChangeClient>();
  private nextClientId = 1;

  constructor(
    opts: { members?: number; seed?: number; tokenTtlUs?: number; bugs?: BugName[]; quotaBackendBytes?: number } = {},
  ) {
    this.world = new World({ seed: opts.seed ?? 1 });
    this.members = Array.from({ length: opts.members ?? 1 }, (_, i) => `n${i + 1}`);
    const bugs = new BugSet(opts.bugs ?? []);
    for (const id of this.members) {
      this.world.spawn(
        id,
        (env) =>
          new EtcdMember(env, {
            peers: this.members,
            bugs,
            ...(opts.tokenTtlUs !== undefined ? { authTokenTtlUs: opts.tokenTtlUs } : {}),
            ...(opts.quotaBackendBytes !== undefined ? { quotaBackendBytes: opts.quotaBackendBytes } : {}),
          }),
      );
    }
    this.recorder = new HistoryRecorder(() => this.world.now);
    this.world.runUntilPredicate(() => this.leader() !== undefined, 3_000_000);
  }

  member(id: string): EtcdMember {
    return this.world.process(id).actor as EtcdMember;
  }

  leader(): string | undefined {
    return this.members.find(
      (m) => (this.world.process(m).actor as EtcdMember | undefined)?.driver.status().role === "leader",
    );
  }

  /** A client process `name` talking to `member` only, authenticating as `auth` if given. */
  client(name: string, opts: { member?: string; auth?: { user: string; password: string } } = {}): EtcdClient {
    const id = this.nextClientId++;
    let c: EtcdClient | undefined;
    let maint: MaintenanceClient | undefined;
    let changes: MemberChangeClient | undefined;
    this.world.spawn(name, (env) => {
      maint = new MaintenanceClient(env);
      changes = new MemberChangeClient(env);
      c = new EtcdClient(env, {
        clientId: id,
        members: [opts.member ?? this.members[0]!],
        requestTimeoutUs: 1_000_000,
        streamTimeoutUs: 2_000_000,
        recorder: this.recorder,
        ...(opts.auth !== undefined ? { auth: opts.auth } : {}),
      });
      return {
        onMessage: (from, msg) =>
          void (maint?.onMessage(from, msg) || changes?.onMessage(from, msg) || c?.onMessage(from, msg)),
      };
    });
    this.world.runUntil(this.world.now + 1);
    this.clients.set(name, c!);
    this.maint.set(c!, maint!);
    this.changes.set(c!, changes!);
    return c!;
  }

  private wait<T>(start: (done: (r: T) => void) => void): T {
    let out: T | undefined;
    start((r) => {
      out = r;
    });
    this.world.runUntilPredicate(() => out !== undefined, this.world.now + 5_000_000);
    if (out === undefined) throw new Error("no answer within 5 s of simulated time");
    return out;
  }

  kv(c: EtcdClient, req: EtcdRequest): KvResult<EtcdResponse> {
    return this.wait<KvResult<EtcdResponse>>((done) => {
      const wrap = (kind: EtcdResponse["kind"]) => (r: KvResult<unknown>) =>
        done(r.ok ? { ok: true, value: { kind, [kind]: r.value } as unknown as EtcdResponse } : r);
      switch (req.kind) {
        case "range":
          return c.range(req.range, wrap("range"));
        case "put":
          return c.put(req.put, wrap("put"));
        case "deleteRange":
          return c.deleteRange(req.deleteRange, wrap("deleteRange"));
        case "txn":
          return c.txn(req.txn, wrap("txn"));
        case "compact":
          return c.compact(req.compact, wrap("compact"));
        case "leaseGrant":
          return c.leaseGrant(req.leaseGrant, wrap("leaseGrant"));
        case "leaseRevoke":
          return c.leaseRevoke(req.leaseRevoke, wrap("leaseRevoke"));
        case "leaseKeepAlive":
          return c.leaseKeepAlive(req.leaseKeepAlive, wrap("leaseKeepAlive"));
      }
    });
  }

  auth(c: EtcdClient, req: AuthRequest): KvResult<AuthResponse> {
    return this.wait<KvResult<AuthResponse>>((done) => c.authRequest(req, done));
  }

  /** A Maintenance call from c's process to c's member, with c's token. */
  maintenance(c: EtcdClient, req: MaintenanceRequest): MaintenanceResult {
    return this.wait<MaintenanceResult>((done) => this.maint.get(c)!.call(c.member, req, done, c.currentToken));
  }

  /** A membership change from c's process to c's member, with c's token: the error, or undefined when applied. */
  memberChange(c: EtcdClient, change: MemberChange): MemberError | undefined {
    return this.wait<{ e: MemberError | undefined }>((done) =>
      this.changes.get(c)!.call(c.member, change, c.currentToken, (e) => done({ e })),
    ).e;
  }

  login(c: EtcdClient): KvResult<AuthResponse> {
    return this.wait<KvResult<AuthResponse>>((done) => c.login(done));
  }

  /** The first response of a new watch (created, or canceled at creation). */
  watch(c: EtcdClient, req: WatchCreateRequest): WatchResponse {
    return this.wait<WatchResponse>((done) => {
      c.watch(req, (r) => done(r));
    });
  }

  run(us: number): void {
    this.world.runUntil(this.world.now + us);
  }
}
