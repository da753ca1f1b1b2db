// The packet simulator: per directed link latency (base + jitter + optional heavy tail), loss,
// duplication, reordering (from latency variance) and a bounded in-flight queue. Faults (partitions,
// extra loss/delay/duplication, clogs) live in a separate fault state consulted on every send and
// delivery; healing clears that state and the configured links are exactly as before.
import type { Rng } from "./rng.ts";
import { probesOf } from "../core/probes.ts";
import { SIM_PROBES } from "./probes.ts";

const probe = probesOf(SIM_PROBES);

export interface LinkConfig {
  latencyUs: number;
  jitterUs: number;
  /** Probability that a delay comes from the heavy tail (up to 10× latency on top). */
  tailP: number;
  lossP: number;
  dupP: number;
  /** Messages in flight on this link beyond which new ones are dropped. */
  capacity: number;
}

export const DEFAULT_LINK: LinkConfig = {
  latencyUs: 1_000,
  jitterUs: 500,
  tailP: 0,
  lossP: 0,
  dupP: 0,
  capacity: 10_000,
};

/**
 * Why a copy was not delivered. "incarnation": it was addressed to an earlier incarnation of a process
 * that has crashed and restarted since (or to a process that was down when it was sent) — etcd's peers
 * and clients talk over TCP streams that a crash resets, so a restarted process never receives bytes
 * sent to its previous incarnation.
 */
export type DropReason = "loss" | "partition" | "crashed" | "overflow" | "incarnation";

/**
 * Where a copy on the wire was addressed, packed into one number so that a copy in flight is its event's
 * (route, message, address) with no object of its own: the incarnation of the destination it was sent to
 * (-1: it was down) and the world's boot epoch when it left. Exact while a process has fewer than 2^21
 * incarnations and the world fewer than 2^32 restarts.
 */
const EPOCH_UNIT = 0x200000;

function packAddress(toIncarnation: number, sentEpoch: number): number {
  if (toIncarnation + 1 >= EPOCH_UNIT) throw new RangeError(`incarnation ${toIncarnation} does not fit an address`);
  return sentEpoch * EPOCH_UNIT + toIncarnation + 1;
}

function toIncarnationOf(address: number): number {
  return (address % EPOCH_UNIT) - 1;
}

function sentEpochOf(address: number): number {
  return Math.floor(address / EPOCH_UNIT);
}

/** Network-level fault state; kept apart from the link configuration. */
export class NetworkFaults {
  /** Cut directed links "a>b" with a count, since overlapping faults may cut the same link. */
  private readonly cuts = new Map<string, number>();
  /** Bumped whenever the set of cut links may change, so a Route's cached answer is asked again. */
  cutsVersion = 0;
  /** Clogged directed links: held until the given virtual time. */
  readonly clogs = new Map<string, number>();
  extraLossP = 0;
  extraDelayUs = 0;
  extraDupP = 0;
  /**
   * Heavy-tail per-message delays (FoundationDB-style): while set, each copy is slowed with probability
   * slowP by up to slowMaxUs (most by little, some by several election timeouts), so messages of an
   * earlier round land inside a later one.
   */
  slowP = 0;
  slowMaxUs = 0;

  cut(from: string, to: string): void {
    const k = from + ">" + to;
    this.cuts.set(k, (this.cuts.get(k) ?? 0) + 1);
    this.cutsVersion++;
  }
  uncut(from: string, to: string): void {
    const k = from + ">" + to;
    const n = (this.cuts.get(k) ?? 0) - 1;
    if (n <= 0) this.cuts.delete(k);
    else this.cuts.set(k, n);
    this.cutsVersion++;
  }
  isCut(from: string, to: string): boolean {
    return this.cuts.size > 0 && this.cuts.has(from + ">" + to);
  }
  /** isCut for a route: its answer is kept on the route until the cuts change (no lookup per message). */
  isRouteCut(r: Route): boolean {
    if (this.cuts.size === 0) return false;
    if (r.cutVersion !== this.cutsVersion) {
      r.cut = this.cuts.has(r.key);
      r.cutVersion = this.cutsVersion;
    }
    return r.cut;
  }
  get anyCut(): boolean {
    return this.cuts.size > 0;
  }
  clear(): void {
    this.cuts.clear();
    this.cutsVersion++;
    this.clogs.clear();
    this.extraLossP = 0;
    this.extraDelayUs = 0;
    this.extraDupP = 0;
    this.slowP = 0;
    this.slowMaxUs = 0;
  }
}

/**
 * One directed link's state: made once per pair, so a sender that keeps it (the world does, per process)
 * sends without looking anything up.
 */
export class Route {
  /** Messages in flight on this link. */
  n = 0;
  readonly key: string;
  /** The host's own slot: what `to` resolves to, cached on first delivery. */
  sink: unknown = undefined;
  /** This link's configured LinkConfig (undefined: the default link), as of the network's linksVersion. */
  configured: LinkConfig | undefined = undefined;
  configuredVersion = -1;
  /** Whether this link is cut, as of the faults' cutsVersion. */
  cut = false;
  cutVersion = -1;
  constructor(
    readonly from: string,
    readonly to: string,
  ) {
    this.key = from + ">" + to;
  }
}

/** What the network needs from the world: time, scheduling, and whether/how a process takes a message. */
export interface NetworkHost {
  now(): number;
  /** Schedules fn(a, b, c) at an absolute virtual time; the event is never cancelled (Scheduler.post). */
  at<A, B>(time: number, fn: (a: A, b: B, c: number) => void, a: A, b: B, c: number): void;
  /**
   * Hands the message to route.to; returns "delivered", "held" (paused), "crashed", or "incarnation"
   * when route.to is no longer the incarnation the message was sent to.
   */
  deliver(
    route: Route,
    msg: unknown,
    toIncarnation: number,
    sentEpoch: number,
  ): "delivered" | "held" | "crashed" | "incarnation";
  /** The incarnation of route.to a message sent now is addressed to (-1 while it is down), and the world's boot epoch. */
  addressOf(route: Route): number;
  bootEpoch(): number;
  onDrop?(from: string, to: string, msg: unknown, reason: DropReason): void;
}

export interface NetworkStats {
  sent: number;
  duplicated: number;
  delivered: number;
  held: number;
  dropped: Record<DropReason, number>;
  inFlight: number;
}

export class Network {
  readonly faults = new NetworkFaults();
  private readonly links = new Map<string, LinkConfig>();
  /** Bumped by configureLink, so a route's cached link configuration is looked up again. */
  private linksVersion = 0;
  /** Per directed link, looked up without building a key string. */
  private readonly routes = new Map<string, Map<string, Route>>();
  readonly stats: NetworkStats = {
    sent: 0,
    duplicated: 0,
    delivered: 0,
    held: 0,
    dropped: { loss: 0, partition: 0, crashed: 0, overflow: 0, incarnation: 0 },
    inFlight: 0,
  };

  constructor(
    private readonly host: NetworkHost,
    private readonly rng: Rng,
    public defaultLink: LinkConfig = DEFAULT_LINK,
  ) {}

  configureLink(from: string, to: string, cfg: Partial<LinkConfig>): void {
    this.links.set(from + ">" + to, { ...this.link(from, to), ...cfg });
    this.linksVersion++;
  }

  /** link() for a route, without building its key per message. */
  private linkOn(r: Route): LinkConfig {
    if (this.links.size === 0) return this.defaultLink;
    if (r.configuredVersion !== this.linksVersion) {
      r.configured = this.links.get(r.key);
      r.configuredVersion = this.linksVersion;
    }
    return r.configured ?? this.defaultLink;
  }

  link(from: string, to: string): LinkConfig {
    return this.links.size === 0 ? this.defaultLink : (this.links.get(from + ">" + to) ?? this.defaultLink);
  }

  send(from: string, to: string, msg: unknown): void {
    this.sendOn(this.route(from, to), msg);
  }

  /** The link from → to, for a sender to keep. */
  route(from: string, to: string): Route {
    let m = this.routes.get(from);
    if (m === undefined) this.routes.set(from, (m = new Map()));
    let r = m.get(to);
    if (r === undefined) m.set(to, (r = new Route(from, to)));
    return r;
  }

  sendOn(r: Route, msg: unknown): void {
    this.stats.sent++;
    const cfg = this.linkOn(r);
    const f = this.faults;
    if (f.isRouteCut(r)) return this.drop(r.from, r.to, msg, "partition");
    const lossP = cfg.lossP + f.extraLossP;
    if (lossP > 0 && this.rng.chance(lossP)) return this.drop(r.from, r.to, msg, "loss");
    const address = packAddress(this.host.addressOf(r), this.host.bootEpoch());
    this.transmit(r, msg, address, cfg);
    const dupP = cfg.dupP + f.extraDupP;
    if (dupP > 0 && this.rng.chance(dupP)) {
      this.stats.duplicated++;
      this.transmit(r, msg, address, cfg);
    }
  }

  private transmit(r: Route, msg: unknown, address: number, cfg: LinkConfig): void {
    if (r.n >= cfg.capacity) return this.drop(r.from, r.to, msg, "overflow");
    r.n++;
    this.stats.inFlight++;
    const f = this.faults;
    let delay = this.rng.latency(cfg.latencyUs, cfg.jitterUs, cfg.tailP) + f.extraDelayUs;
    if (f.slowP > 0 && this.rng.chance(f.slowP)) {
      // Cubed uniform: a heavy tail — half the slowed copies wait under an eighth of the maximum, a few nearly all of it.
      const u = this.rng.next();
      delay += Math.floor(u * u * u * f.slowMaxUs);
      if (u > 0.5) probe("sim.message-delayed-long");
    }
    this.host.at(this.host.now() + delay, this.arriveOn, r, msg, address);
  }

  /** arrive, made once: scheduled with its arguments instead of a closure per message. */
  private readonly arriveOn = (r: Route, msg: unknown, address: number): void => this.arrive(r, msg, address);

  private arrive(r: Route, msg: unknown, address: number): void {
    if (this.faults.clogs.size > 0) {
      const clogUntil = this.faults.clogs.get(r.key);
      if (clogUntil !== undefined && clogUntil > this.host.now()) {
        // A clogged link holds everything until the clog ends, then lets it through in arrival order.
        probe("sim.clog-held-message");
        this.host.at(clogUntil, this.arriveOn, r, msg, address);
        return;
      }
    }
    r.n--;
    this.stats.inFlight--;
    // A partition that began while the message was on the wire drops it too.
    if (this.faults.isRouteCut(r)) return this.drop(r.from, r.to, msg, "partition");
    const d = this.host.deliver(r, msg, toIncarnationOf(address), sentEpochOf(address));
    if (d === "delivered") this.stats.delivered++;
    else if (d === "held") this.stats.held++;
    else if (d === "incarnation") {
      probe("sim.stale-incarnation-dropped");
      this.drop(r.from, r.to, msg, "incarnation");
    } else this.drop(r.from, r.to, msg, "crashed", true);
  }

  private drop(from: string, to: string, msg: unknown, reason: DropReason, counted = false): void {
    void counted;
    this.stats.dropped[reason]++;
    this.host.onDrop?.(from, to, msg, reason);
  }

  /** A held message (queued at a paused process) was finally delivered or dropped at resume/crash. */
  releaseHeld(outcome: "delivered" | "crashed"): void {
    this.stats.held--;
    if (outcome === "delivered") this.stats.delivered++;
    else this.stats.dropped.crashed++;
  }

  /** Delivery accounting: every copy sent is delivered, dropped with a reason, held, or still in flight. */
  accountingBalance(): { copies: number; accounted: number } {
    const s = this.stats;
    const d = s.dropped;
    return {
      copies: s.sent + s.duplicated,
      accounted: s.delivered + s.held + s.inFlight + d.loss + d.partition + d.crashed + d.overflow + d.incarnation,
    };
  }
}
