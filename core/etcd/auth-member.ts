// A member's side of etcd auth (etcdserver/v3_server.go, apply_auth.go): the replicated auth store,
// this member's simple tokens, the Auth service's requests (proposed through Raft like etcd's), the
// token → (user, auth revision) resolution a request gets where it arrives, and the permission checks:
// reads where they are served, writes when they are applied — on every member, against the auth state
// at that log position. A write resolved at an older auth revision than the applying member's is
// refused there (ErrAuthOldRevision) and proposed again by the member that took it, with a fresh
// resolution: so a write that raced a revoke is checked against the revoke, wherever it was taken.
// Inert until the first auth request: no entry, message or snapshot changes while auth is unused.
import type { BugSet } from "../bugs.ts";
import type { Env, Random, TimerId } from "../env.ts";
import type { EtcdErrorCode, EtcdRequest, WatchCreateRequest } from "../mvcc/rpc.ts";
import { ERROR_MESSAGES } from "../mvcc/rpc.ts";
import {
  applyAuth,
  authCheck,
  ROOT,
  emptyAuthState,
  rangePermitted,
  type AuthInfo,
  type AuthRequest,
  type AuthResponse,
  type AuthState,
} from "./auth.ts";
import { DEFAULT_TOKEN_TTL_US, SimpleTokens } from "./auth-tokens.ts";
import { probesOf, type ProbeCatalog } from "../probes.ts";
import type { MaintenanceRequest } from "./protocol.ts";

/** What a KV entry carries when its sender was resolved (absent without auth, so entries stay as they were). */
export interface KvAuthFields {
  /** The user and the auth revision the receiving member resolved the token at (etcd's RequestHeader.Username/AuthRevision). */
  auth?: AuthInfo;
  /** Mutant etcd-auth-stale-revision only: the receiving member checked it, and apply trusts that check. */
  authChecked?: true;
}

/** An Auth service request through Raft. `token`: the simple-token prefix the receiving member drew for Authenticate. */
export interface AuthEntry {
  op: "auth";
  origin: string;
  reqId: string;
  request: AuthRequest;
  caller?: string;
  token?: string;
}

interface Host {
  status(): { applied: number; lastIndex: number; leader: string };
  propose(entry: AuthEntry): "ok" | "no-leader";
  reply(
    client: string,
    reqId: number,
    r: { response?: AuthResponse; error?: EtcdErrorCode; leaderHint?: string },
  ): void;
  leaseKeys(id: number): readonly string[];
  /** Whether this member holds a NOSPACE alarm (for the mutant etcd-auth-dropped-during-nospace). */
  noSpaceActive(): boolean;
  timeoutUs: number;
}

/** Why a Maintenance or membership call is refused its caller. */
type CallerRefusal = "user-empty" | "permission-denied" | "invalid-auth-token";

type Resolved = { info: AuthInfo | undefined; error?: undefined } | { error: EtcdErrorCode; info?: undefined };

export const AUTH_PROBES = {
  "auth.old-revision-retried": {
    what: "a write resolved at an older auth revision was refused at apply (ErrAuthOldRevision) and proposed again",
  },
  "auth.token-waited-for-index": {
    what: "a request's token named a log index the member had not applied yet: it waited for it",
  },
  "auth.token-lost-on-restart": {
    what: "a replayed Authenticate after a restart assigned no token (simple tokens live in memory)",
  },
} as const satisfies ProbeCatalog;

export const authProbe = probesOf(AUTH_PROBES);

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

export class MemberAuth {
  state: AuthState = emptyAuthState();
  /** Mutant etcd-auth-perm-cache-stale only: the state permissions are read from, not refreshed by a permission grant. */
  private permCache: AuthState = this.state;
  /** Some auth request was applied (or restored): the snapshot carries the auth store from then on. */
  private used = false;
  private readonly tokens: SimpleTokens;
  private host!: Host;
  /** The last log index on disk when this incarnation started: entries up to it were applied before the crash. */
  private bootIndex = 0;
  /** Requests whose token names an index this member has not applied yet (etcd's indexWaiter). */
  private pending: { index: number; run: () => void }[] = [];
  private lastApplied = 0;
  private readonly waiting = new Map<string, { client: string; clientReqId: number; timer: TimerId }>();
  private nextReq = 0;
  private rng: Random | undefined;

  constructor(
    private readonly env: Env,
    private readonly opts: { bugs: BugSet; tokenTtlUs?: number | undefined },
  ) {
    this.tokens = new SimpleTokens(opts.tokenTtlUs ?? DEFAULT_TOKEN_TTL_US);
  }

  attach(host: Host): void {
    this.host = host;
    this.bootIndex = host.status().lastIndex;
  }

  get enabled(): boolean {
    return this.state.enabled;
  }

  /**
   * The mutant etcd-auth-checks-while-disabled, once this member applied an auth disable (and no enable
   * since): it checks requests as if auth were on.
   */
  get checksWhileDisabled(): boolean {
    return this.turnedOff && this.opts.bugs.has("etcd-auth-checks-while-disabled");
  }
  private turnedOff = false;

  snapshotField(): { auth?: AuthState } {
    return this.used ? { auth: this.state } : {};
  }

  restore(s: unknown): void {
    this.used = s !== undefined;
    this.state = (s as AuthState | undefined) ?? emptyAuthState();
    // MUTANT etcd-auth-enabled-lost-on-recovery: users and roles come back from the snapshot, the enabled flag does not (etcd #7165).
    if (this.opts.bugs.has("etcd-auth-enabled-lost-on-recovery") && this.state.enabled)
      this.state = { ...this.state, enabled: false };
    this.permCache = this.state;
  }

  /** After every applied entry: run the requests that waited for their token's index. */
  onApplied(index: number): void {
    // The driver counts an entry as applied only once its apply returns: remember it here.
    this.lastApplied = index;
    if (this.pending.length === 0) return;
    const ready = this.pending.filter((p) => p.index <= index);
    this.pending = this.pending.filter((p) => p.index > index);
    for (const p of ready) p.run();
  }

  /**
   * etcd's AuthInfoFromCtx for a simple token: an unknown or expired token is "invalid auth token" —
   * with auth off too (disabling auth drops every token) —, a known one is the user at this member's
   * auth revision; no token, no user.
   */
  withToken(token: string | undefined, cb: (r: Resolved) => void): void {
    if (token === undefined) return cb({ info: undefined });
    const index = SimpleTokens.indexOf(token);
    if (index === undefined) return cb({ error: "invalid-auth-token" });
    if (index > Math.max(this.lastApplied, this.host.status().applied)) {
      authProbe("auth.token-waited-for-index");
      this.pending.push({ index, run: () => this.withToken(token, cb) });
      return;
    }
    cb(this.resolveNow(token));
  }

  private resolveNow(token: string | undefined): Resolved {
    if (token === undefined) return { info: undefined };
    const user = this.tokens.use(token, this.env.monotonic());
    return user === undefined ? { error: "invalid-auth-token" } : { info: { user, revision: this.state.revision } };
  }

  /** The auth fields of a write's entry; the mutant checks here, at the receiving member, and refuses early. */
  kvFields(
    info: AuthInfo | undefined,
    request: EtcdRequest,
  ): { fields: KvAuthFields; error?: undefined } | { error: EtcdErrorCode; fields?: undefined } {
    if (info === undefined) return { fields: {} };
    if (this.opts.bugs.has("etcd-auth-stale-revision")) {
      const refused = authCheck(this.state, info, request, this.permCtx(this.host.leaseKeys));
      return refused !== undefined ? { error: refused } : { fields: { auth: info, authChecked: true } };
    }
    return { fields: { auth: info } };
  }

  /** The apply-time check every member makes (etcd's authApplierV3). */
  applyRefusal(
    data: { request: EtcdRequest } & KvAuthFields,
    leaseKeys: (id: number) => readonly string[],
  ): EtcdErrorCode | undefined {
    // The mutant trusts the receiving member's check even when the auth store moved on since.
    const skipRevisionCheck = this.opts.bugs.has("etcd-auth-stale-revision") && data.authChecked === true;
    if (skipRevisionCheck) return undefined;
    return authCheck(this.state, data.auth, data.request, this.permCtx(leaseKeys));
  }

  /** A read served here (range, read-only Txn): checked against this member's auth state when served. */
  readRefusal(token: string | undefined, request: EtcdRequest): EtcdErrorCode | undefined {
    if (!this.state.enabled && token === undefined && !this.checksWhileDisabled) return undefined;
    const r = this.resolveNow(token);
    if (r.error !== undefined) return r.error;
    return authCheck(this.state, r.info, request, this.permCtx(this.host.leaseKeys));
  }

  /** etcd's isWatchPermitted, once at creation: the cancel reason if refused. */
  watchRefusal(token: string | undefined, req: WatchCreateRequest): string | undefined {
    if (!this.state.enabled && token === undefined) return undefined;
    const r = this.resolveNow(token);
    if (r.error === undefined && !this.state.enabled) return undefined;
    // The mutant re-creates GHSA-xg4h-6gfc-h4m8: etcd's watch server rewrote a from-key range end ("\0")
    // to an empty one before its permission check, which then judged a single key.
    const fromKeyAsKey = this.opts.bugs.has("etcd-auth-watch-from-key-as-key") && req.rangeEnd === "\0";
    const ok =
      r.info !== undefined &&
      rangePermitted(this.state, r.info.user, req.key, fromKeyAsKey ? undefined : req.rangeEnd, "READ", {
        rangeEndIgnored: this.opts.bugs.has("etcd-auth-range-end-ignored"),
      });
    // etcd's watch server puts the gRPC status text into cancel_reason.
    return ok ? undefined : `rpc error: code = PermissionDenied desc = ${ERROR_MESSAGES["permission-denied"]}`;
  }

  /**
   * The Maintenance service's check, where the call arrives. etcd 3.4 checked only Defragment (and Hash,
   * Snapshot): the root role. The fix of GHSA-q8m4-xhhv-38mg checks Alarm too: changing an alarm needs
   * root, listing alarms any authenticated user (etcd PR #21538). Status stays unchecked, as in 3.4.
   */
  maintenanceRefusal(token: string | undefined, op: MaintenanceRequest["op"]): CallerRefusal | undefined {
    if (op === "status") return undefined;
    // The mutant is 3.4.23: an Alarm call passes whoever sends it, with or without a token.
    if (op !== "defragment" && this.opts.bugs.has("etcd-auth-alarm-unchecked")) return undefined;
    return this.callerRefusal(token, op === "alarmList" ? "user" : "root");
  }

  /**
   * etcd's checkMembershipOperationPermission (MemberAdd, MemberRemove, MemberUpdate, MemberPromote): with
   * auth on, the caller needs the root role (etcd #6899, #6903). MemberList stays unchecked, as in 3.4.
   */
  memberChangeRefusal(token: string | undefined): CallerRefusal | undefined {
    // The mutant is etcd 3.1-rc1 (#7181): any client, with or without a token, removes a member.
    if (this.opts.bugs.has("etcd-auth-member-change-unchecked")) return undefined;
    return this.callerRefusal(token, "root");
  }

  /** With auth on, a call that needs an authenticated user, or one with the root role (IsAdminPermitted). */
  private callerRefusal(token: string | undefined, need: "user" | "root"): CallerRefusal | undefined {
    if (!this.state.enabled && token === undefined) return undefined;
    const r = this.resolveNow(token);
    if (r.error !== undefined) return "invalid-auth-token";
    if (!this.state.enabled) return undefined;
    const info = r.info;
    if (info === undefined) return "user-empty";
    const user = this.state.users.find((u) => u.name === info.user);
    if (user === undefined) return "permission-denied";
    return need === "user" || user.roles.includes(ROOT) ? undefined : "permission-denied";
  }

  private permCtx(leaseKeys: (id: number) => readonly string[]) {
    return {
      leaseKeys,
      rangeEndIgnored: this.opts.bugs.has("etcd-auth-range-end-ignored"),
      nestedTxnUnchecked: this.opts.bugs.has("etcd-auth-nested-txn-unchecked"),
      txnPutKeyOnly: this.opts.bugs.has("etcd-auth-txn-put-side-reads-unchecked"),
      leaseRevokeUnchecked: this.opts.bugs.has("etcd-auth-lease-revoke-unchecked"),
      checksWhileDisabled: this.checksWhileDisabled,
      ...(this.opts.bugs.has("etcd-auth-perm-cache-stale") ? { permsFrom: this.permCache } : {}),
    };
  }

  /** An Auth service request from a client: Authenticate checks the password here, then everything goes through Raft. */
  onRequest(client: string, clientReqId: number, request: AuthRequest, token: string | undefined): void {
    if (request.op === "authenticate") {
      // etcd's CheckPassword, on this member's auth state, before proposing.
      if (!this.state.enabled) return this.host.reply(client, clientReqId, { error: "auth-not-enabled" });
      const u = this.state.users.find((x) => x.name === request.name);
      // The mutant re-creates etcd #5182: bcrypt took an empty password for any hash, so "user:" logged in.
      const emptyPasses = request.password === "" && this.opts.bugs.has("etcd-auth-empty-password-accepted");
      if (u === undefined || (u.password !== request.password && !emptyPasses))
        return this.host.reply(client, clientReqId, { error: "auth-failed" });
      return this.propose(client, clientReqId, { request, token: this.tokenPrefix() });
    }
    this.withToken(token, (r) => {
      if (r.error !== undefined) return this.host.reply(client, clientReqId, { error: r.error });
      this.propose(client, clientReqId, { request, ...(r.info !== undefined ? { caller: r.info.user } : {}) });
    });
  }

  private tokenPrefix(): string {
    this.rng ??= this.env.rng.fork("auth-token");
    let s = "";
    for (let i = 0; i < 16; i++) s += LETTERS[this.rng.int(0, LETTERS.length - 1)];
    return s;
  }

  private propose(
    client: string,
    clientReqId: number,
    e: { request: AuthRequest; caller?: string; token?: string },
  ): void {
    const reqId = `${this.env.id}/auth/${this.env.monotonic()}/${++this.nextReq}`;
    const timer = this.env.setTimer(this.host.timeoutUs, () => {
      if (this.waiting.delete(reqId)) this.host.reply(client, clientReqId, { error: "timeout" });
    });
    this.waiting.set(reqId, { client, clientReqId, timer });
    if (this.host.propose({ op: "auth", origin: this.env.id, reqId, ...e }) !== "ok") {
      this.env.cancelTimer(timer);
      this.waiting.delete(reqId);
      this.host.reply(client, clientReqId, { error: "no-leader", leaderHint: this.host.status().leader });
    }
  }

  /** Applies a committed auth request; true if the auth state changed. */
  apply(e: AuthEntry, index: number): boolean {
    this.used = true;
    const before = this.state;
    const r = applyAuth(before, e.request, e.caller, {
      grantMatchesKeyOnly: this.opts.bugs.has("etcd-auth-grant-matches-key-only"),
      // etcd PR #22386: while NOSPACE is active the applier chain has no auth applier, so no admin check.
      skipAdminCheck: this.opts.bugs.has("etcd-auth-dropped-during-nospace") && this.host.noSpaceActive(),
    });
    if (before.enabled && !r.state.enabled) this.turnedOff = true;
    if (r.state.enabled) this.turnedOff = false;
    this.state = r.state;
    if (e.request.op !== "roleGrantPermission") this.permCache = r.state;
    // MUTANT etcd-auth-disable-keeps-tokens: auth disable leaves every token alive (etcd before PR #5748,
    // whose AuthDisable began to "invalidate every token"): after auth is on again they are served.
    const keepTokens =
      r.invalidate === "*"
        ? this.opts.bugs.has("etcd-auth-disable-keeps-tokens")
        : this.opts.bugs.has("etcd-auth-tokens-survive-password-change");
    if (r.invalidate !== undefined && !keepTokens) this.tokens.invalidate(r.invalidate);
    let response = r.response;
    if (r.error === undefined && e.request.op === "authenticate" && e.token !== undefined) {
      const token = `${e.token}.${index}`;
      // A replay after a restart assigns nothing: etcd had applied it before the crash, and tokens are not on disk.
      if (index > this.bootIndex) this.tokens.assign(token, e.request.name, this.env.monotonic());
      else authProbe("auth.token-lost-on-restart");
      response = { ...response, token };
    }
    const w = e.origin === this.env.id ? this.waiting.get(e.reqId) : undefined;
    if (w !== undefined) {
      this.waiting.delete(e.reqId);
      this.env.cancelTimer(w.timer);
      this.host.reply(
        w.client,
        w.clientReqId,
        r.error !== undefined ? { error: r.error } : { response: response ?? {} },
      );
    }
    return this.state !== before;
  }
}
