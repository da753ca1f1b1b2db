// Leader election with client-go's Lease semantics (k8s.io/client-go/tools/leaderelection), each
// replica on its own clock: every retryPeriod a candidate reads the Lease; it takes over only when
// the record has not changed for leaseDuration since it first saw it, by a CAS update. The leader
// renews every retryPeriod and gives up when it could not renew within renewDeadline.
//
// client-go does not fence: nothing stops a leader that was paused from acting after its lease ran
// out. `canAct()` is the check a careful controller makes before each write (its last successful
// renew was sent less than renewDeadline ago on its own clock); `isLeader()` is client-go's
// IsLeader (the observed record names this replica), which a resumed leader still believes.
//
// Elapsed time (how long a record stayed unchanged, how long since the last renew) is measured on the
// monotonic clock, as client-go does with Go's monotonic reading: a wall clock stepped back by NTP
// would otherwise let a paused leader believe its renew is fresh while a candidate, timing the same
// lease on its own clock, has taken over. The record's acquireTime/renewTime stay wall-clock stamps.
import type { BugSet } from "../bugs.ts";
import type { Env, TimerId } from "../env.ts";
import { probesOf } from "../probes.ts";
import type { KubeClient } from "./client.ts";
import type { KubeRecorder } from "./observations.ts";
import { canonicalEqual } from "./resources.ts";
import { rvOf, type Lease, type LeaseSpec } from "./types.ts";

/** Code probes of leader election (collected with the other layers' in scenarios/probes.ts). */
export const LEADERELECTION_PROBES = {
  "leaderelection.takeover-after-expiry": {
    what: "a candidate found a Lease unrenewed for leaseDuration and wrote itself in as holder",
    required: true,
  },
  "leaderelection.renew-deadline-lost": {
    what: "a leader gave up leadership because it could not renew within renewDeadline",
  },
  "leaderelection.released": {
    what: "a leader stopping gracefully wrote its Lease released (ReleaseOnCancel), for a standby to take at once",
  },
} as const;
const probe = probesOf(LEADERELECTION_PROBES);

export interface LeaderElectionTiming {
  leaseDurationUs: number;
  renewDeadlineUs: number;
  retryPeriodUs: number;
}

// client-go's defaults (15 s, 10 s, 2 s) scaled down tenfold to keep simulations short.
export const DEFAULT_LEADER_TIMING: LeaderElectionTiming = {
  leaseDurationUs: 1_500_000,
  renewDeadlineUs: 1_000_000,
  retryPeriodUs: 200_000,
};

export interface LeaderElectorConfig {
  namespace: string;
  name: string;
  identity: string;
  timing?: Partial<LeaderElectionTiming>;
  recorder?: KubeRecorder;
  /**
   * true (the careful build): the renew loop also gives up as soon as its own clock says the renew
   * deadline passed. false (client-go as written): the loss is noticed only when a renew attempt fails.
   */
  deadlineOnTimer?: boolean;
  /** kube-leader-wall-clock times elapsed intervals on the wall clock instead of the monotonic one. */
  bugs?: BugSet;
  onStartedLeading(term: number): void;
  onStoppedLeading(): void;
}

export class LeaderElector {
  private leading = false;
  private observed: LeaseSpec | undefined;
  /** The Lease as last read or written (its resourceVersion is a release's precondition). */
  private lastLease: Lease | undefined;
  /** Whether a record was observed yet (observed itself may be undefined: a Lease without a spec). */
  private hasObserved = false;
  private observedTime = 0;
  private lastRenewSent = 0;
  private timer: TimerId | undefined;
  private stopped = true;
  private busy = false;
  /** The resourceVersion of the Lease write that began the current tenure. */
  term: number | undefined;
  readonly timing: LeaderElectionTiming;
  readonly leaseName: string;

  constructor(
    private readonly env: Env,
    private readonly client: KubeClient,
    private readonly cfg: LeaderElectorConfig,
  ) {
    this.timing = { ...DEFAULT_LEADER_TIMING, ...cfg.timing };
    if (
      !(
        this.timing.leaseDurationUs > this.timing.renewDeadlineUs &&
        this.timing.renewDeadlineUs > this.timing.retryPeriodUs
      )
    ) {
      throw new Error("leader election needs leaseDuration > renewDeadline > retryPeriod");
    }
    this.leaseName = `${cfg.namespace}/${cfg.name}`;
    this.elapsedClock = cfg.bugs?.has("kube-leader-wall-clock") === true ? () => env.now() : () => env.monotonic();
    this.transitionsUncounted = cfg.bugs?.has("kube-lease-transitions-uncounted") === true;
  }

  /** Mutant kube-lease-transitions-uncounted. */
  private readonly transitionsUncounted: boolean;

  /** The clock elapsed intervals are measured on (monotonic; the mutant's wall clock). */
  private readonly elapsedClock: () => number;

  get identity(): string {
    return this.cfg.identity;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.env.cancelTimer(this.timer);
    if (this.leading) this.lose();
  }

  /**
   * client-go's release (ReleaseOnCancel, which kube-scheduler sets): the renew loop ends, and a leader
   * writes the Lease released — no holder, a 1 s duration, acquire and renew times now, its transitions
   * kept — on the version it last saw, so a candidate takes it at its next retry instead of leaseDuration
   * later. Then it has stopped leading. `done` runs once the write is answered (or at once, not leading).
   * `keepLeading` (the mutant kube-leader-release-before-stop only): it still believes it leads after.
   */
  release(done: () => void, keepLeading = false): void {
    this.stopped = true;
    if (this.timer !== undefined) this.env.cancelTimer(this.timer);
    this.timer = undefined;
    const last = this.lastLease;
    if (!this.isLeader() || last === undefined) {
      this.lose();
      return done();
    }
    const now = this.env.now();
    const released: Lease = {
      ...last,
      spec: {
        leaseDurationSeconds: 1,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: last.spec.leaseTransitions ?? 0,
      },
    };
    this.client.update(released, (u) => {
      if (u.ok) probe("leaderelection.released");
      if (!keepLeading) this.lose();
      done();
    });
  }

  /** client-go's IsLeader: the last observed record names this replica. */
  isLeader(): boolean {
    return this.leading && this.observed?.holderIdentity === this.cfg.identity;
  }

  /** Leader, and the last successful renew was sent less than renewDeadline ago (own monotonic clock). */
  canAct(): boolean {
    return this.isLeader() && this.elapsedClock() - this.lastRenewSent < this.timing.renewDeadlineUs;
  }

  private tick(): void {
    this.timer = undefined;
    if (this.stopped) return;
    if (
      this.leading &&
      this.cfg.deadlineOnTimer !== false &&
      this.elapsedClock() - this.lastRenewSent >= this.timing.renewDeadlineUs
    )
      this.lose();
    if (!this.busy) {
      this.busy = true;
      this.tryAcquireOrRenew((ok) => {
        this.busy = false;
        if (this.stopped) return;
        if (
          !ok &&
          this.leading &&
          (!this.isLeader() || this.elapsedClock() - this.lastRenewSent >= this.timing.renewDeadlineUs)
        )
          this.lose();
      });
    }
    this.timer = this.env.setTimer(this.timing.retryPeriodUs, () => this.tick());
  }

  private observe(spec: LeaseSpec): void {
    // client-go compares the record's bytes: a record equal as JSON is not a change.
    if (!this.hasObserved || !canonicalEqual(spec, this.observed)) {
      this.hasObserved = true;
      this.observed = spec;
      this.observedTime = this.elapsedClock();
    }
  }

  private tryAcquireOrRenew(cb: (ok: boolean) => void): void {
    const me = this.cfg.identity;
    const durationS = this.timing.leaseDurationUs / 1e6;
    const { namespace, name } = this.cfg;
    this.client.get("Lease", namespace, name, (r) => {
      if (this.stopped) return cb(false);
      if (!r.ok) {
        if (r.status.reason !== "NotFound") return cb(false);
        const now = this.env.now();
        const sentAt = this.elapsedClock();
        const lease: Lease = {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name, namespace },
          spec: {
            holderIdentity: me,
            leaseDurationSeconds: durationS,
            acquireTime: now,
            renewTime: now,
            leaseTransitions: 0,
          },
        };
        return this.client.create(lease, (c) => (c.ok ? this.succeeded(c.value, sentAt, true, cb) : cb(false)));
      }
      const cur = r.value;
      this.lastLease = cur;
      this.observe(cur.spec);
      const holder = cur.spec.holderIdentity ?? "";
      const now = this.env.now();
      const sentAt = this.elapsedClock();
      if (holder !== "" && holder !== me && this.observedTime + this.timing.leaseDurationUs > sentAt) return cb(false);
      const mine = holder === me;
      if (holder !== "" && !mine) probe("leaderelection.takeover-after-expiry");
      const next: Lease = {
        ...cur,
        spec: {
          holderIdentity: me,
          leaseDurationSeconds: durationS,
          acquireTime: mine ? (cur.spec.acquireTime ?? now) : now,
          renewTime: now,
          // client-go counts every acquisition by a replica that did not hold it, a released Lease's too.
          // MUTANT kube-lease-transitions-uncounted: a takeover keeps the count.
          leaseTransitions: (cur.spec.leaseTransitions ?? 0) + (mine || this.transitionsUncounted ? 0 : 1),
        },
      };
      this.client.update(next, (u) => (u.ok ? this.succeeded(u.value, sentAt, !mine, cb) : cb(false)));
    });
  }

  // The renew time that counts is when the request was sent, not when the answer came: a candidate
  // measures leaseDuration from when it saw the write, which is no earlier than the send.
  private succeeded(lease: Lease, sentAt: number, acquired: boolean, cb: (ok: boolean) => void): void {
    if (this.stopped) return cb(false);
    this.lastLease = lease;
    this.observe(lease.spec);
    this.lastRenewSent = sentAt;
    if (!this.leading || acquired || this.term === undefined) {
      if (this.leading) this.lose();
      this.leading = true;
      this.term = rvOf(lease);
      this.cfg.recorder?.leader({
        process: this.env.id,
        identity: this.cfg.identity,
        lease: this.leaseName,
        term: this.term,
        event: "acquired",
      });
      this.cfg.onStartedLeading(this.term);
    }
    cb(true);
  }

  private lose(): void {
    if (!this.leading) return;
    if (this.elapsedClock() - this.lastRenewSent >= this.timing.renewDeadlineUs)
      probe("leaderelection.renew-deadline-lost");
    this.leading = false;
    this.cfg.recorder?.leader({
      process: this.env.id,
      identity: this.cfg.identity,
      lease: this.leaseName,
      term: this.term ?? 0,
      event: "lost",
    });
    this.term = undefined;
    this.cfg.onStoppedLeading();
  }
}
