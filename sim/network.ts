// The packet simulator: per directed link latency (base + jitter + optional heavy tail), loss,
// duplication, reordering (from latency variance) and a bounded in-flight queue. Faults (partitions,
// extra loss/delay/duplication, clogs) live in a separate fault state consulted on every send and
// delivery; healing clears that state and the configured links are exactly as before.
import type { Rng } from "./rng.ts";

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

export const DEFAULT_LINK: LinkConfig = { latencyUs: 1_000, jitterUs: 500, tailP: 0, lossP: 0, dupP: 0, capacity: 10_000 };

export type DropReason = "loss" | "partition" | "crashed" | "overflow";

/** Network-level fault state; kept apart from the link configuration. */
export class NetworkFaults {
  /** Cut directed links "a>b" with a count, since overlapping faults may cut the same link. */
  private readonly cuts = new Map<string, number>();
  /** Clogged directed links: held until the given virtual time. */
  readonly clogs = new Map<string, number>();
  extraLossP = 0;
  extraDelayUs = 0;
  extraDupP = 0;

  cut(from: string, to: string): void {
    const k = from + ">" + to;
    this.cuts.set(k, (this.cuts.get(k) ?? 0) + 1);
  }
  uncut(from: string, to: string): void {
    const k = from + ">" + to;
    const n = (this.cuts.get(k) ?? 0) - 1;
    if (n <= 0) this.cuts.delete(k);
    else this.cuts.set(k, n);
  }
  isCut(from: string, to: string): boolean {
    return this.cuts.size > 0 && this.cuts.has(from + ">" + to);
  }
  get anyCut(): boolean {
    return this.cuts.size > 0;
  }
  clear(): void {
    this.cuts.clear();
    this.clogs.clear();
    this.extraLossP = 0;
    this.extraDelayUs = 0;
    this.extraDupP = 0;
  }
}

/** What the network needs from the world: time, scheduling, and whether/how a process takes a message. */
export interface NetworkHost {
  now(): number;
  at(time: number, fn: () => void): void;
  /** Hands the message to the destination; returns "delivered", "held" (paused) or "crashed". */
  deliver(from: string, to: string, msg: unknown): "delivered" | "held" | "crashed";
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
  /** Per directed link: in-flight count, looked up without building a key string on the hot path. */
  private readonly inFlight = new Map<string, Map<string, { n: number; key: string }>>();
  readonly stats: NetworkStats = {
    sent: 0,
    duplicated: 0,
    delivered: 0,
    held: 0,
    dropped: { loss: 0, partition: 0, crashed: 0, overflow: 0 },
    inFlight: 0,
  };

  constructor(
    private readonly host: NetworkHost,
    private readonly rng: Rng,
    public defaultLink: LinkConfig = DEFAULT_LINK,
  ) {}

  configureLink(from: string, to: string, cfg: Partial<LinkConfig>): void {
    this.links.set(from + ">" + to, { ...this.link(from, to), ...cfg });
  }

  link(from: string, to: string): LinkConfig {
    return this.links.size === 0 ? this.defaultLink : (this.links.get(from + ">" + to) ?? this.defaultLink);
  }

  send(from: string, to: string, msg: unknown): void {
    this.stats.sent++;
    const cfg = this.link(from, to);
    const f = this.faults;
    if (f.isCut(from, to)) return this.drop(from, to, msg, "partition");
    const lossP = cfg.lossP + f.extraLossP;
    if (lossP > 0 && this.rng.chance(lossP)) return this.drop(from, to, msg, "loss");
    this.transmit(from, to, msg, cfg);
    const dupP = cfg.dupP + f.extraDupP;
    if (dupP > 0 && this.rng.chance(dupP)) {
      this.stats.duplicated++;
      this.transmit(from, to, msg, cfg);
    }
  }

  private counter(from: string, to: string): { n: number; key: string } {
    let m = this.inFlight.get(from);
    if (m === undefined) this.inFlight.set(from, (m = new Map()));
    let c = m.get(to);
    if (c === undefined) m.set(to, (c = { n: 0, key: from + ">" + to }));
    return c;
  }

  private transmit(from: string, to: string, msg: unknown, cfg: LinkConfig): void {
    const c = this.counter(from, to);
    if (c.n >= cfg.capacity) return this.drop(from, to, msg, "overflow");
    c.n++;
    this.stats.inFlight++;
    const delay = this.rng.latency(cfg.latencyUs, cfg.jitterUs, cfg.tailP) + this.faults.extraDelayUs;
    this.host.at(this.host.now() + delay, () => this.arrive(from, to, c, msg));
  }

  private arrive(from: string, to: string, c: { n: number; key: string }, msg: unknown): void {
    if (this.faults.clogs.size > 0) {
      const clogUntil = this.faults.clogs.get(c.key);
      if (clogUntil !== undefined && clogUntil > this.host.now()) {
        // A clogged link holds everything until the clog ends, then lets it through in arrival order.
        this.host.at(clogUntil, () => this.arrive(from, to, c, msg));
        return;
      }
    }
    c.n--;
    this.stats.inFlight--;
    // A partition that began while the message was on the wire drops it too.
    if (this.faults.isCut(from, to)) return this.drop(from, to, msg, "partition");
    const r = this.host.deliver(from, to, msg);
    if (r === "delivered") this.stats.delivered++;
    else if (r === "held") this.stats.held++;
    else this.drop(from, to, msg, "crashed", true);
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
      accounted: s.delivered + s.held + s.inFlight + d.loss + d.partition + d.crashed + d.overflow,
    };
  }
}
