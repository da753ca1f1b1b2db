// The nemesis: a fault schedule is an explicit, serializable list of timed fault events, generated
// from the seed by a scenario's fault mix (not random calls scattered through the code), so a run can
// be saved, replayed and shrunk. Each fault starts at `at` and, if `until` is set, ends then.
import type { CrashMode } from "./disk.ts";
import type { Rng } from "./rng.ts";
import type { World } from "./world.ts";
import { probesOf } from "../core/probes.ts";
import { SIM_PROBES } from "./probes.ts";

const probe = probesOf(SIM_PROBES);

export type FaultEvent =
  /** Links between different groups are cut both ways. */
  | { at: number; until?: number; kind: "partition"; groups: string[][] }
  /** Messages from `from` to `to` are dropped; the other direction works. */
  | { at: number; until?: number; kind: "partition-oneway"; from: string[]; to: string[] }
  /** One process cut off from all others (or only from those listed in `among`). */
  | { at: number; until?: number; kind: "isolate"; target: string; among?: string[] }
  /** Two sides that reach each other only through the bridge process. */
  | { at: number; until?: number; kind: "bridge"; sides: [string[], string[]]; bridge: string }
  | { at: number; until?: number; kind: "loss"; p: number }
  | { at: number; until?: number; kind: "delay"; extraUs: number }
  | { at: number; until?: number; kind: "duplicate"; p: number }
  /**
   * Heavy-tail per-message delays (FoundationDB): each message is slowed with probability p by up to
   * maxUs (several election timeouts), so a vote or append of an earlier round lands in a later one.
   */
  | { at: number; until?: number; kind: "slow-messages"; p: number; maxUs: number }
  /**
   * FoundationDB's swizzle clog: the links are stopped one after another, stepUs apart, and released
   * in reverse order, the last one stopped first, stepUs apart up to `until`; each holds its messages.
   */
  | { at: number; until: number; kind: "swizzle"; links: [string, string][]; stepUs: number }
  /** The link holds every message until the clog ends. */
  | { at: number; until: number; kind: "clog"; from: string; to: string }
  /** Crash; restarted at `until` (if set). */
  | { at: number; until?: number; kind: "crash"; target: string; disk?: CrashMode }
  /** A graceful stop (an etcd leader hands over leadership first), nothing lost; restarted at `until` (if set). */
  | { at: number; until?: number; kind: "stop"; target: string }
  | { at: number; until?: number; kind: "pause"; target: string }
  /** Wall-clock jump of one process. */
  | { at: number; until?: number; kind: "skew"; target: string; byUs: number }
  | { at: number; until?: number; kind: "drift"; target: string; ppm: number }
  | { at: number; until?: number; kind: "disk-slow"; target: string; extraUs: number }
  /** One running container of the node's pods dies at once (an instant fault: `until` means nothing). */
  | { at: number; until?: number; kind: "container-kill"; target: string };

/** The largest drift any fault gives a clock, in ppm (0 with none): how much sooner a fast clock's timers fire. */
export function maxDriftPpm(faults: readonly FaultEvent[]): number {
  let most = 0;
  for (const f of faults) if (f.kind === "drift" && f.ppm > most) most = f.ppm;
  return most;
}

/** The slowest drift the faults set, in ppm (≤ 0): a clock running slow fires its timers late. */
export function minDriftPpm(faults: readonly FaultEvent[]): number {
  let least = 0;
  for (const f of faults) if (f.kind === "drift" && f.ppm < least) least = f.ppm;
  return least;
}

export type FaultKind = FaultEvent["kind"];
export const FAULT_KINDS: readonly FaultKind[] = [
  "partition",
  "partition-oneway",
  "isolate",
  "bridge",
  "loss",
  "delay",
  "duplicate",
  "clog",
  "crash",
  "pause",
  "skew",
  "drift",
  "disk-slow",
  "slow-messages",
  "swizzle",
  "container-kill",
  "stop",
];

/** A one-line description for traces and reports. */
export function describeFault(f: FaultEvent): string {
  switch (f.kind) {
    case "partition":
      return `partition ${f.groups.map((g) => g.join(",")).join(" | ")}`;
    case "partition-oneway":
      return `one-way ${f.from.join(",")} -/-> ${f.to.join(",")}`;
    case "isolate":
      return `isolate ${f.target}${f.among ? ` from ${f.among.join(",")}` : ""}`;
    case "bridge":
      return `bridge ${f.sides[0].join(",")} <${f.bridge}> ${f.sides[1].join(",")}`;
    case "loss":
      return `loss ${f.p}`;
    case "delay":
      return `delay +${f.extraUs}us`;
    case "duplicate":
      return `duplicate ${f.p}`;
    case "slow-messages":
      return `slow messages ${f.p} up to ${f.maxUs}us`;
    case "swizzle":
      return `swizzle ${f.links.map(([a, b]) => `${a}->${b}`).join(",")}`;
    case "clog":
      return `clog ${f.from}->${f.to}`;
    case "crash":
      return `crash ${f.target}${f.disk && f.disk !== "clean" ? ` (${f.disk})` : ""}`;
    case "pause":
      return `pause ${f.target}`;
    case "stop":
      return `stop ${f.target}`;
    case "skew":
      return `skew ${f.target} ${f.byUs}us`;
    case "drift":
      return `drift ${f.target} ${f.ppm}ppm`;
    case "disk-slow":
      return `slow disk ${f.target} +${f.extraUs}us`;
    case "container-kill":
      return `container kill on ${f.target}`;
  }
}

/** Directed links a network fault cuts, among the given processes. */
function cutLinks(f: FaultEvent, all: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  switch (f.kind) {
    case "partition": {
      const groupOf = new Map<string, number>();
      f.groups.forEach((g, i) => g.forEach((p) => groupOf.set(p, i)));
      for (const a of all)
        for (const b of all) {
          if (a === b) continue;
          const ga = groupOf.get(a),
            gb = groupOf.get(b);
          if (ga !== undefined && gb !== undefined && ga !== gb) out.push([a, b]);
        }
      break;
    }
    case "partition-oneway":
      for (const a of f.from) for (const b of f.to) if (a !== b) out.push([a, b]);
      break;
    case "isolate":
      for (const b of f.among ?? all) if (b !== f.target) out.push([f.target, b], [b, f.target]);
      break;
    case "bridge":
      for (const a of f.sides[0])
        for (const b of f.sides[1]) {
          if (a === f.bridge || b === f.bridge || a === b) continue;
          out.push([a, b], [b, a]);
        }
      break;
    default:
      break;
  }
  return out;
}

/** Whether any string anywhere in v starts with "@" (the walk of Nemesis.resolve, without building a copy). */
function namesSymbolicTarget(v: unknown): boolean {
  if (typeof v === "string") return v.startsWith("@");
  if (Array.isArray(v)) return v.some(namesSymbolicTarget);
  if (v !== null && typeof v === "object") return Object.values(v).some(namesSymbolicTarget);
  return false;
}

export interface ActiveFault {
  fault: FaultEvent;
  start: number;
  end: number | undefined;
}

/** Applies a fault schedule to a world; remembers what is active so heal() can undo everything. */
export class Nemesis {
  readonly active = new Set<ActiveFault>();
  /** Every fault that was applied, with when it really started and ended (for reports). */
  readonly log: ActiveFault[] = [];
  private readonly undo = new Map<ActiveFault, () => void>();

  /**
   * @param resolveTarget maps symbolic targets such as "@leader" to a process at the moment the fault
   * starts (so a schedule can say "isolate whoever leads then" and still be an explicit list).
   */
  constructor(
    private readonly world: World,
    private readonly processes: () => readonly string[],
    private readonly resolveTarget: (name: string) => string | undefined = () => undefined,
  ) {}

  /** Schedules the faults; those starting at or after `before` are left out (the heal comes first). */
  schedule(faults: readonly FaultEvent[], before = Infinity): void {
    const sorted = [...faults].filter((f) => f.at < before).sort((a, b) => a.at - b.at);
    for (const f of sorted) this.world.scheduler.at(f.at, () => this.apply(this.resolve(f)));
  }

  /**
   * The fault with every symbolic target ("@leader", in any field) resolved now, in field order (a
   * binding such as "@leader=L" is made before a later field names "@L"). A target that resolves to
   * nothing turns the fault into a no-op delay.
   */
  private resolve(f: FaultEvent): FaultEvent {
    // Most faults name no symbolic target: found by a walk that builds nothing, they are returned as they are.
    if (!namesSymbolicTarget(f)) return f;
    let symbolic = false;
    let ok = true;
    const walk = (v: unknown): unknown => {
      if (typeof v === "string") {
        if (!v.startsWith("@")) return v;
        symbolic = true;
        const r = this.resolveTarget(v);
        if (r === undefined) ok = false;
        return r ?? v;
      }
      if (Array.isArray(v)) return v.map(walk);
      if (v !== null && typeof v === "object")
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
      return v;
    };
    const out = walk(f) as FaultEvent;
    if (!symbolic) return f;
    return ok ? out : { ...out, kind: "delay", extraUs: 0 };
  }

  apply(f: FaultEvent): void {
    const w = this.world;
    const now = w.now;
    const a: ActiveFault = { fault: f, start: now, end: undefined };
    w.trace.event(now, "fault", "nemesis", undefined, describeFault(f));
    const net = w.network.faults;
    let undo: () => void = () => {};
    switch (f.kind) {
      case "partition":
      case "partition-oneway":
      case "isolate":
      case "bridge": {
        const links = cutLinks(f, this.processes());
        for (const [x, y] of links) net.cut(x, y);
        undo = () => {
          for (const [x, y] of links) net.uncut(x, y);
        };
        break;
      }
      case "loss":
        net.extraLossP += f.p;
        undo = () => {
          net.extraLossP = Math.max(0, net.extraLossP - f.p);
        };
        break;
      case "delay":
        net.extraDelayUs += f.extraUs;
        undo = () => {
          net.extraDelayUs = Math.max(0, net.extraDelayUs - f.extraUs);
        };
        break;
      case "duplicate":
        net.extraDupP += f.p;
        undo = () => {
          net.extraDupP = Math.max(0, net.extraDupP - f.p);
        };
        break;
      case "clog": {
        const k = f.from + ">" + f.to;
        net.clogs.set(k, Math.max(net.clogs.get(k) ?? 0, f.until));
        undo = () => {
          net.clogs.delete(k);
        };
        break;
      }
      case "slow-messages":
        // Overlapping faults: the larger probability and bound hold until the last one ends.
        net.slowP = Math.max(net.slowP, f.p);
        net.slowMaxUs = Math.max(net.slowMaxUs, f.maxUs);
        undo = () => {
          const others = [...this.active]
            .filter((x) => x !== a && x.fault.kind === "slow-messages")
            .map((x) => x.fault as { p: number; maxUs: number });
          net.slowP = Math.max(0, ...others.map((x) => x.p));
          net.slowMaxUs = Math.max(0, ...others.map((x) => x.maxUs));
        };
        break;
      case "swizzle": {
        // Stop link i at at + i·step; release it at until − i·step: the last stopped goes first.
        const keys = f.links.map(([x, y]) => x + ">" + y);
        keys.forEach((k, i) => {
          const stop = now + i * f.stepUs;
          const release = Math.max(stop + 1, f.until - i * f.stepUs);
          w.scheduler.at(stop, () => {
            if (!this.active.has(a)) return;
            net.clogs.set(k, Math.max(net.clogs.get(k) ?? 0, release));
          });
          w.scheduler.at(release, () => {
            if (!this.active.has(a)) return;
            if (net.clogs.get(k) === release) net.clogs.delete(k);
            w.trace.event(w.now, "heal", "nemesis", undefined, `swizzle release ${k}`);
            if (i === 0) probe("sim.swizzle-released");
          });
        });
        undo = () => {
          for (const k of keys) net.clogs.delete(k);
        };
        break;
      }
      case "crash":
        if (w.processes.get(f.target)?.status === "crashed") return;
        w.crash(f.target, f.disk ?? "clean");
        undo = () => w.restart(f.target);
        break;
      case "stop": {
        const p = w.processes.get(f.target);
        if (p === undefined || p.status === "crashed" || p.stopping) return;
        w.stop(f.target);
        undo = () => w.restart(f.target);
        break;
      }
      case "pause":
        if (w.processes.get(f.target)?.status !== "up") return;
        w.pause(f.target);
        undo = () => w.resume(f.target);
        break;
      case "skew": {
        const c = w.process(f.target).clock;
        c.skew(f.byUs);
        undo = () => c.skew(-f.byUs);
        break;
      }
      case "drift": {
        const c = w.process(f.target).clock;
        c.setDrift(now, f.ppm);
        undo = () => c.setDrift(w.now, 0);
        break;
      }
      case "disk-slow": {
        const d = w.process(f.target).disk;
        d.slowUs += f.extraUs;
        undo = () => {
          d.slowUs = Math.max(0, d.slowUs - f.extraUs);
        };
        break;
      }
      case "container-kill":
        // Instant: it ends as it starts (so no later dip is blamed on it for longer than the explain window).
        w.signal(f.target, "container-kill");
        a.end = now;
        this.log.push(a);
        return;
    }
    this.active.add(a);
    this.log.push(a);
    this.undo.set(a, undo);
    if (f.until !== undefined) w.scheduler.at(f.until, () => this.end(a));
  }

  private end(a: ActiveFault): void {
    if (!this.active.has(a)) return;
    this.active.delete(a);
    a.end = this.world.now;
    this.world.trace.event(this.world.now, "heal", "nemesis", undefined, describeFault(a.fault));
    const u = this.undo.get(a);
    this.undo.delete(a);
    u?.();
  }

  /** Ends every active fault: links restored, crashed (and stopped) processes restarted, paused ones resumed, clocks reset. */
  heal(): void {
    for (const a of [...this.active]) this.end(a);
    const w = this.world;
    w.network.faults.clear();
    for (const p of w.processes.values()) {
      p.clock.reset(w.now);
      p.disk.slowUs = 0;
      if (p.status === "paused") w.resume(p.id);
      if (p.status === "crashed" || p.stopping) w.restart(p.id);
    }
  }
}

/** Probabilities and bounds of each fault kind, resolved per seed (swarm testing). */
export interface FaultMix {
  /** Mean virtual µs between fault starts. */
  meanGapUs: number;
  /** Duration range of a fault. */
  minDurationUs: number;
  maxDurationUs: number;
  /** Relative weights per kind; kinds absent or 0 never occur. */
  weights: Partial<Record<FaultKind, number>>;
  /** Crash restart delay range. */
  diskFaults?: boolean;
  maxSkewUs?: number;
  /** The longest heavy-tail delay of a slow-messages fault (default 1 s: several election timeouts). */
  maxMessageDelayUs?: number;
}

/** Draws a fault schedule for [start, end) over the given processes from the mix. */
export function generateSchedule(
  rng: Rng,
  mix: FaultMix,
  processes: readonly string[],
  start: number,
  end: number,
): FaultEvent[] {
  const kinds = FAULT_KINDS.filter((k) => (mix.weights[k] ?? 0) > 0);
  if (kinds.length === 0 || processes.length === 0) return [];
  const total = kinds.reduce((s, k) => s + (mix.weights[k] ?? 0), 0);
  const out: FaultEvent[] = [];
  let t = start;
  for (;;) {
    t += 1 + Math.floor(rng.next() * 2 * mix.meanGapUs);
    if (t >= end) break;
    let x = rng.next() * total;
    let kind = kinds[kinds.length - 1]!;
    for (const k of kinds) {
      x -= mix.weights[k] ?? 0;
      if (x < 0) {
        kind = k;
        break;
      }
    }
    const until = Math.min(end, t + rng.int(mix.minDurationUs, mix.maxDurationUs));
    const target = rng.pick(processes);
    const shuffled = rng.shuffle([...processes]);
    const cut = rng.int(1, Math.max(1, shuffled.length - 1));
    switch (kind) {
      case "partition":
        out.push({ at: t, until, kind, groups: [shuffled.slice(0, cut), shuffled.slice(cut)] });
        break;
      case "partition-oneway":
        out.push({ at: t, until, kind, from: shuffled.slice(0, cut), to: shuffled.slice(cut) });
        break;
      case "isolate":
        out.push({ at: t, until, kind, target });
        break;
      case "bridge": {
        if (shuffled.length < 3) {
          out.push({ at: t, until, kind: "isolate", target });
          break;
        }
        const bridge = shuffled[0]!;
        const rest = shuffled.slice(1);
        const c = rng.int(1, rest.length - 1);
        out.push({
          at: t,
          until,
          kind,
          sides: [
            [bridge, ...rest.slice(0, c)],
            [bridge, ...rest.slice(c)],
          ],
          bridge,
        });
        break;
      }
      case "loss":
        out.push({ at: t, until, kind, p: rng.pick([0.05, 0.1, 0.2, 0.4]) });
        break;
      case "delay":
        out.push({ at: t, until, kind, extraUs: rng.pick([2_000, 10_000, 50_000]) });
        break;
      case "duplicate":
        out.push({ at: t, until, kind, p: rng.pick([0.05, 0.2]) });
        break;
      case "clog": {
        const others = processes.filter((p) => p !== target);
        if (others.length === 0) break;
        const to = rng.pick(others);
        out.push({ at: t, until, kind, from: target, to });
        break;
      }
      case "crash": {
        const disk: CrashMode = mix.diskFaults ? rng.pick(["clean", "clean", "torn", "corrupt"] as const) : "clean";
        out.push({ at: t, until, kind, target, disk });
        break;
      }
      case "pause":
      case "stop":
        out.push({ at: t, until, kind, target });
        break;
      case "skew": {
        const m = mix.maxSkewUs ?? 2_000_000;
        out.push({ at: t, until, kind, target, byUs: rng.int(-m, m) });
        break;
      }
      case "drift":
        out.push({ at: t, until, kind, target, ppm: rng.pick([-50_000, -500, 500, 50_000]) });
        break;
      case "disk-slow":
        out.push({ at: t, until, kind, target, extraUs: rng.pick([5_000, 50_000]) });
        break;
      case "container-kill":
        out.push({ at: t, kind, target });
        break;
      case "slow-messages":
        out.push({ at: t, until, kind, p: rng.pick([0.02, 0.1, 0.3]), maxUs: mix.maxMessageDelayUs ?? 1_000_000 });
        break;
      case "swizzle": {
        const links: [string, string][] = [];
        for (const a of processes) for (const b of processes) if (a !== b) links.push([a, b]);
        if (links.length === 0) break;
        const chosen = rng.shuffle(links).slice(0, rng.int(1, Math.min(8, links.length)));
        out.push({
          at: t,
          until,
          kind,
          links: chosen,
          stepUs: Math.max(1, Math.floor((until - t) / (2 * chosen.length + 1))),
        });
        break;
      }
    }
  }
  return out;
}
