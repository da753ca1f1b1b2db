// The deterministic world: one scheduler, one network, and processes with their own clocks and disks.
// It implements core/env.ts for each process incarnation, and owns crash / pause / restart.
import type { Actor, ActorFactory, Env, TimerId } from "../core/env.ts";
import { AssertionFailure } from "../core/assert.ts";
import { Clock } from "./clock.ts";
import { SimDisk, type CrashMode, type DiskOptions } from "./disk.ts";
import { Network, type LinkConfig, type Route, DEFAULT_LINK } from "./network.ts";
import { Rng } from "./rng.ts";
import { Scheduler } from "./scheduler.ts";
import { TimerTable } from "./timers.ts";
import { Trace } from "./trace.ts";
import { probesOf } from "../core/probes.ts";
import { SIM_PROBES } from "./probes.ts";

const probe = probesOf(SIM_PROBES);

export type ProcessStatus = "up" | "crashed" | "paused";

export interface WorldOptions {
  seed: number;
  link?: Partial<LinkConfig>;
  disk?: Partial<DiskOptions>;
  maxEvents?: number;
  keepTrace?: boolean;
  /** Label a message for the trace (default: its `type` field). */
  messageLabel?: (msg: unknown) => string;
  /** BUGGIFY fault points enabled for this run, and how often an enabled point fires. */
  buggify?: { sites: readonly string[]; p: number };
  /**
   * Tests only: deliver messages addressed to an earlier incarnation instead of dropping them (the
   * world before TCP resets were modelled), to show the incarnation checks catch it.
   */
  deliverAcrossIncarnations?: boolean;
  /** Tests only: a crash keeps every write not yet durable (a disk too kind to test), to show sim-selftest catches it. */
  crashKeepsUnsynced?: boolean;
}

/** Something went wrong inside the simulated system (an assertion); reported with the seed. */
export interface WorldFailure {
  time: number;
  event: number;
  process: string;
  message: string;
}

export class SimProcess {
  status: ProcessStatus = "up";
  incarnation = 0;
  actor: Actor | undefined;
  readonly clock = new Clock();
  readonly disk: SimDisk;
  readonly timers = new TimerTable();
  /** Timer callbacks that came due while paused, run at resume in order. */
  deferred: (() => void)[] = [];
  /** Messages that arrived while paused, delivered at resume in order. */
  held: { from: string; msg: unknown; sentEpoch: number }[] = [];
  /** Virtual time of the last crash, pause etc. — for reports. */
  crashes = 0;
  env: Env | undefined;
  /** The trace's hash of id, kept so per-event tracing skips the lookup. */
  readonly idHash: number;
  /** The network's link to each destination this process has sent to. */
  readonly routes = new Map<string, Route>();
  /** The world's restart epoch when this incarnation started (0 for the first; an invariant check, apart from the drop rule). */
  bootEpoch = 0;
  /** Asked to stop gracefully and not down yet (see World.stop); restartAfterStop: a restart came meanwhile. */
  stopping = false;
  restartAfterStop = false;

  constructor(
    readonly id: string,
    readonly factory: ActorFactory,
    world: World,
    diskRng: Rng,
    diskOpts: DiskOptions,
  ) {
    this.idHash = world.trace.hashOf(id);
    // No incarnation check here: a crash bumps the disk's own epoch, and an fsync issued before it does nothing.
    this.disk = new SimDisk(
      {
        now: () => world.scheduler.now,
        at: (t, fn, a, b, c) => world.scheduler.post(t, fn, a, b, c),
        complete: (done) => world.guard(id, done),
      },
      diskRng,
      diskOpts,
    );
  }
}

/** What the world keeps on a network route (Route.sink): its destination and the trace's hash of its source. */
interface RouteSink {
  readonly process: SimProcess;
  readonly fromHash: number;
  /**
   * The last two message labels on this link and their hashes, most recent first: a link carries mostly
   * two types (MsgApp and MsgHeartbeat one way, their answers back).
   */
  label: string;
  labelHash: number;
  label2: string;
  labelHash2: number;
}

const DEFAULT_DISK: DiskOptions = { fsyncLatencyUs: 500, fsyncJitterUs: 500 };

export class World {
  readonly scheduler: Scheduler;
  readonly rng: Rng;
  readonly network: Network;
  readonly trace: Trace;
  readonly processes = new Map<string, SimProcess>();
  private nextTimer = 1;
  failure: WorldFailure | undefined;
  /** BUGGIFY firings per fault point (for reports). */
  readonly buggified = new Map<string, number>();
  private readonly label: (msg: unknown) => string;
  /**
   * opts.deliverAcrossIncarnations and opts.buggify, read once: callers build their options in several
   * shapes, and a read per message (or per fault-point check) met them all.
   */
  private readonly deliverAcrossIncarnations: boolean;
  private readonly buggify: WorldOptions["buggify"];
  private readonly diskOpts: DiskOptions;
  /** Counts restarts of every process: a message sent before its destination's latest restart crossed an incarnation. */
  private epoch = 0;
  /** Deliveries to a later incarnation than the message was sent to (must stay empty; see incarnationCheck). */
  readonly crossings: string[] = [];
  /** Observers of process lifecycle (checkers, reports). */
  readonly lifecycle: ((ev: {
    time: number;
    kind: "crash" | "restart" | "pause" | "resume";
    process: string;
    /** A crash's disk fault: what became of the writes not yet durable. */
    mode?: CrashMode;
  }) => void)[] = [];

  /** Observers of graceful stops: asked (the stop begins) and down (the process exited, or crashed while winding down). */
  readonly stops: ((ev: { time: number; process: string; phase: "asked" | "down" }) => void)[] = [];

  /** Observers of signals handed to a process (each just before the process gets it). */
  readonly signals: ((ev: { time: number; process: string; signal: "container-kill" }) => void)[] = [];

  constructor(readonly opts: WorldOptions) {
    this.scheduler = new Scheduler(opts.maxEvents);
    this.rng = new Rng(opts.seed);
    this.trace = new Trace({ keepLines: opts.keepTrace ?? false });
    this.label = opts.messageLabel ?? defaultLabel;
    this.deliverAcrossIncarnations = opts.deliverAcrossIncarnations === true;
    this.buggify = opts.buggify;
    this.diskOpts = { ...DEFAULT_DISK, ...opts.disk };
    this.network = new Network(
      {
        now: () => this.scheduler.now,
        at: (t, fn, a, b, c) => this.scheduler.post(t, fn, a, b, c),
        deliver: (route, msg, inc, sentEpoch) => this.deliver(route, msg, inc, sentEpoch),
        addressOf: (route) => {
          // The route's cached destination (set on its first delivery) saves the lookup per send.
          const p = (route.sink as RouteSink | undefined)?.process ?? this.processes.get(route.to);
          // Not spawned yet: its first incarnation. Down: nobody (a connection attempt fails).
          return p === undefined ? 0 : p.status === "crashed" ? -1 : p.incarnation;
        },
        bootEpoch: () => this.epoch,
        onDrop: (from, to, msg, reason) => this.trace.drop(this.scheduler.now, from, to, reason, this.label(msg)),
      },
      this.rng.fork("network"),
      { ...DEFAULT_LINK, ...opts.link },
    );
  }

  get now(): number {
    return this.scheduler.now;
  }

  /** Adds a process and starts it. */
  spawn(id: string, factory: ActorFactory): SimProcess {
    if (this.processes.has(id)) throw new Error(`process ${id} already exists`);
    const b = this.opts.buggify;
    const delayRng = this.rng.fork("buggify-disk/" + id);
    const diskOpts: DiskOptions = b?.sites.includes("delay-fsync")
      ? {
          ...this.diskOpts,
          extraLatencyUs: () => {
            if (!delayRng.chance(b.p)) return 0;
            this.trace.event(this.now, "buggify", id, undefined, "delay-fsync");
            this.buggified.set("delay-fsync", (this.buggified.get("delay-fsync") ?? 0) + 1);
            return delayRng.int(5_000, 50_000);
          },
        }
      : this.diskOpts;
    const p = new SimProcess(id, factory, this, this.rng.fork("disk/" + id), diskOpts);
    this.processes.set(id, p);
    this.boot(p);
    return p;
  }

  process(id: string): SimProcess {
    const p = this.processes.get(id);
    if (p === undefined) throw new Error(`no process ${id}`);
    return p;
  }

  private boot(p: SimProcess): void {
    if (p.incarnation > 0) p.bootEpoch = ++this.epoch;
    const env = this.makeEnv(p, p.incarnation);
    p.env = env;
    this.guard(p.id, () => {
      p.actor = p.factory(env);
      p.actor.start?.();
    });
  }

  private makeEnv(p: SimProcess, inc: number): Env {
    const world = this;
    const incarnation: Incarnation = { world, p, inc };
    const rng = this.rng.fork(`proc/${p.id}/${inc}`);
    // Its own stream, so enabling fault points never shifts the process's other draws.
    const buggifyRng = this.rng.fork(`buggify/${p.id}/${inc}`);
    return {
      id: p.id,
      now: () => p.clock.now(world.scheduler.now),
      monotonic: () => p.clock.monotonic(world.scheduler.now),
      setTimer(delayUs: number, fn: () => void): TimerId {
        const id = world.nextTimer++;
        if (p.incarnation !== inc || p.status === "crashed") return id;
        const ev = world.scheduler.postCancellable(
          p.clock.toVirtual(Math.max(0, delayUs)),
          timerDue,
          incarnation,
          fn,
          id,
        );
        p.timers.add(ev);
        return id;
      },
      cancelTimer(id: TimerId): void {
        p.timers.cancel(id, world.scheduler);
      },
      send(to: string, msg: unknown): void {
        if (p.incarnation !== inc || p.status === "crashed") return;
        let r = p.routes.get(to);
        if (r === undefined) p.routes.set(to, (r = world.network.route(p.id, to)));
        world.network.sendOn(r, msg);
      },
      disk: p.disk,
      rng,
      record(kind: string, detail?: string): void {
        world.trace.event(world.scheduler.now, "note", p.id, kind, detail);
      },
      // Trace.event drops an aside unless the trace keeps lines.
      keepsAsides: world.trace.lines !== undefined,
      buggify(site: string): boolean {
        const b = world.buggify;
        if (b === undefined || !b.sites.includes(site) || !buggifyRng.chance(b.p)) return false;
        world.trace.event(world.scheduler.now, "buggify", p.id, undefined, site);
        world.buggified.set(site, (world.buggified.get(site) ?? 0) + 1);
        return true;
      },
    };
  }

  /** Timer `id` of incarnation `inc` of p came due (see timerDue). */
  timerDue(p: SimProcess, inc: number, fn: () => void): void {
    if (p.incarnation !== inc || p.status === "crashed") return;
    if (p.status === "paused") {
      this.deferTimer(p, fn);
      return;
    }
    this.fireTimer(p, fn);
  }

  /**
   * Apart from timerDue: a function that makes a closure gets a context object on every call, even when the
   * closure is not made, and timerDue runs for every timer.
   */
  private deferTimer(p: SimProcess, fn: () => void): void {
    p.deferred.push(() => this.fireTimer(p, fn));
  }

  /** Hands a signal to the process (held while it is paused, like its timers; lost if it is down). */
  signal(id: string, signal: "container-kill"): void {
    const p = this.processes.get(id);
    if (p === undefined || p.status === "crashed") return;
    const inc = p.incarnation;
    const deliver = () => {
      if (p.incarnation !== inc || p.status !== "up" || p.actor === undefined) return;
      const actor = p.actor;
      for (const o of this.signals) o({ time: this.now, process: id, signal });
      this.guard(id, () => actor.onSignal?.(signal));
    };
    if (p.status === "paused") p.deferred.push(deliver);
    else deliver();
  }

  private fireTimer(p: SimProcess, fn: () => void): void {
    this.trace.timer(this.scheduler.now, p.id, p.idHash);
    // guard() inlined: this runs once per timer.
    try {
      fn();
    } catch (e) {
      this.caught(p.id, e);
    }
  }

  private deliver(
    route: Route,
    msg: unknown,
    toIncarnation: number,
    sentEpoch: number,
  ): "delivered" | "held" | "crashed" | "incarnation" {
    let sink = route.sink as RouteSink | undefined;
    if (sink === undefined) {
      const to = this.processes.get(route.to);
      if (to === undefined) return "crashed";
      route.sink = sink = {
        process: to,
        fromHash: this.trace.hashOf(route.from),
        label: "",
        labelHash: this.trace.hashOf(""),
        label2: "",
        labelHash2: this.trace.hashOf(""),
      };
    }
    const p = sink.process;
    if (p.status === "crashed" || p.actor === undefined) return "crashed";
    // Sent to an incarnation that has crashed since (or while it was down): its stream was reset.
    if (toIncarnation !== p.incarnation && !this.deliverAcrossIncarnations) return "incarnation";
    const from = route.from;
    if (p.status === "paused") {
      p.held.push({ from, msg, sentEpoch });
      return "held";
    }
    if (sentEpoch < p.bootEpoch) this.crossed(from, p, msg);
    const label = this.label(msg);
    if (label !== sink.label) {
      const older = sink.label;
      const olderHash = sink.labelHash;
      sink.labelHash = label === sink.label2 ? sink.labelHash2 : this.trace.hashOf(label);
      sink.label = label;
      sink.label2 = older;
      sink.labelHash2 = olderHash;
    }
    this.trace.deliver(this.scheduler.now, from, sink.fromHash, p.id, p.idHash, label, sink.labelHash);
    // guard() inlined: this runs once per delivered message.
    try {
      p.actor.onMessage(from, msg);
    } catch (e) {
      this.caught(p.id, e);
    }
    return "delivered";
  }

  /** The invariant, checked apart from the drop rule: record a delivery to a later incarnation than the message was sent to. */
  private crossed(from: string, p: SimProcess, msg: unknown): void {
    if (this.crossings.length < 20)
      this.crossings.push(`${from}->${p.id} ${this.label(msg)} at ${this.now}us, sent before ${p.id}'s restart`);
    else this.crossings.push("");
  }

  /** A check for scenarios: no message ever reached an incarnation later than the one it was sent to. */
  incarnationCheck(): { name: string; verdict: "pass" | "fail"; message: string } {
    const n = this.crossings.length;
    const dropped = this.network.stats.dropped.incarnation;
    return n === 0
      ? {
          name: "incarnations",
          verdict: "pass",
          message: `no message crossed an incarnation; ${dropped} addressed to a dead incarnation dropped`,
        }
      : {
          name: "incarnations",
          verdict: "fail",
          message: `${n} messages delivered to a later incarnation than they were sent to, first: ${this.crossings[0]}`,
        };
  }

  /** Runs fn on behalf of a process; an assertion failure stops the world with a finding. */
  guard(process: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.caught(process, e);
    }
  }

  private caught(process: string, e: unknown): void {
    if (e instanceof AssertionFailure) {
      if (this.failure === undefined) {
        this.failure = { time: this.scheduler.now, event: this.trace.count, process, message: e.message };
      }
      this.trace.event(this.scheduler.now, "assert", process, undefined, e.message);
      return;
    }
    throw e;
  }

  crash(id: string, mode: CrashMode = "clean"): void {
    const p = this.process(id);
    if (p.status === "crashed") return;
    this.trace.event(this.now, "crash", id, undefined, mode);
    p.timers.cancelAll(this.scheduler);
    p.deferred = [];
    for (const _ of p.held) {
      this.network.releaseHeld("crashed");
      probe("sim.held-message-dropped-on-crash");
    }
    p.held = [];
    p.status = "crashed";
    p.actor = undefined;
    p.env = undefined;
    p.incarnation++;
    p.crashes++;
    if (this.opts.crashKeepsUnsynced !== true) p.disk.crash(mode);
    for (const l of this.lifecycle) l({ time: this.now, kind: "crash", process: id, mode });
    // A crash while winding down ends the stop: only the stop's own exit honours a restart asked for meanwhile.
    if (p.stopping) for (const o of this.stops) o({ time: this.now, process: id, phase: "down" });
    p.stopping = false;
    p.restartAfterStop = false;
  }

  /**
   * A graceful stop (SIGTERM, a rolling restart): the process winds down as its actor's `stop` says (an
   * etcd leader hands leadership to a peer first), then exits with every write synced, so nothing is
   * lost; it is down like a crashed process from then on, until restart(). A restart asked for while it
   * is still winding down brings it back as soon as it is down.
   */
  stop(id: string): void {
    const p = this.process(id);
    if (p.status === "crashed" || p.stopping) return;
    this.trace.event(this.now, "stop", id);
    p.stopping = true;
    for (const o of this.stops) o({ time: this.now, process: id, phase: "asked" });
    const inc = p.incarnation;
    const exit = () => {
      if (p.incarnation !== inc) return;
      p.disk.sync(() => {
        if (p.incarnation !== inc) return;
        const again = p.restartAfterStop;
        this.crash(id, "clean");
        if (again) this.restart(id);
      });
    };
    const actor = p.actor;
    if (actor?.stop === undefined) exit();
    else this.guard(id, () => actor.stop!(exit));
  }

  restart(id: string): void {
    const p = this.process(id);
    if (p.stopping) {
      p.restartAfterStop = true;
      return;
    }
    if (p.status !== "crashed") return;
    this.trace.event(this.now, "restart", id);
    p.status = "up";
    for (const l of this.lifecycle) l({ time: this.now, kind: "restart", process: id });
    this.boot(p);
  }

  pause(id: string): void {
    const p = this.process(id);
    if (p.status !== "up") return;
    this.trace.event(this.now, "pause", id);
    p.status = "paused";
    for (const l of this.lifecycle) l({ time: this.now, kind: "pause", process: id });
  }

  resume(id: string): void {
    const p = this.process(id);
    if (p.status !== "paused") return;
    this.trace.event(this.now, "resume", id);
    p.status = "up";
    for (const l of this.lifecycle) l({ time: this.now, kind: "resume", process: id });
    const deferred = p.deferred;
    const held = p.held;
    p.deferred = [];
    p.held = [];
    const inc = p.incarnation;
    for (const run of deferred) run();
    for (const h of held) {
      if (p.incarnation !== inc || p.status !== "up" || p.actor === undefined) {
        this.network.releaseHeld("crashed");
        continue;
      }
      this.network.releaseHeld("delivered");
      if (h.sentEpoch < p.bootEpoch) this.crossed(h.from, p, h.msg);
      this.trace.event(this.now, "deliver", h.from, id, this.label(h.msg));
      const actor = p.actor;
      this.guard(id, () => actor.onMessage(h.from, h.msg));
    }
  }

  /** Runs until virtual time t, or until a failure stops the world. */
  runUntil(t: number): void {
    this.runEvents(t);
    if (this.failure !== undefined) return;
    if (this.scheduler.now < t) this.scheduler.now = t;
  }

  /**
   * runUntil's loop, in a function of its own with nothing after the loop: V8 optimizes the loop while it
   * runs for the first time, before any code after it ever ran, and such code (a property access or a call
   * with no type feedback yet) then deoptimized the loop's code on every later exit (twice a seed, seen with
   * node --trace-deopt).
   */
  private runEvents(t: number): void {
    const s = this.scheduler;
    while (this.failure === undefined && s.stepUntil(t));
  }

  /** Runs until pred holds or deadline passes; checks pred after every event. */
  runUntilPredicate(pred: () => boolean, deadline: number): boolean {
    return (
      this.scheduler.runUntilPredicate(() => this.failure !== undefined || pred(), deadline) &&
      this.failure === undefined
    );
  }
}

/** One process incarnation, as its timers name it. */
interface Incarnation {
  readonly world: World;
  readonly p: SimProcess;
  readonly inc: number;
}

/**
 * Every timer's event calls this one function with its incarnation and callback (no object per timer);
 * the event's numeric argument is the timer's id, kept for the process's TimerTable.
 */
function timerDue(c: Incarnation, fn: () => void): void {
  c.world.timerDue(c.p, c.inc, fn);
}

function defaultLabel(msg: unknown): string {
  if (msg !== null && typeof msg === "object") {
    const t = (msg as { type?: unknown }).type;
    if (typeof t === "string") return t;
  }
  return typeof msg;
}
