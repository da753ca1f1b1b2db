// One simulated run, owned by the harness: the world, its observer registry, the client history, the
// nemesis over a declared set of processes, the phases (faults → heal → liveness) and the assembly of
// the outcome from the checkers' typed results. A scenario's execute() is a declaration on top of it:
// which topology to start, which workload to run, which checkers to subscribe and call at the end.
import { HistoryRecorder } from "../../core/etcd/client.ts";
import type { CheckResult } from "../../checkers/types.ts";
import { Nemesis, type FaultEvent } from "../../sim/nemesis.ts";
import { World, type WorldOptions } from "../../sim/world.ts";
import type { RunExtra, ScenarioOutcome, TimelinePoint } from "./types.ts";
import { RunObservers } from "./observers.ts";
import { runBlockStore, TempFileChunkStore } from "./chunk-file.ts";
import { boundHeapGrowth } from "./heap.ts";

export interface Phases {
  /** Virtual µs of workload and faults before the heal; faults starting later are left out. */
  faultPhaseUs: number;
  /** After the heal: the bound within which `converged` must hold. */
  livenessBoundUs: number;
}

export class SimRun {
  readonly world: World;
  readonly observe: RunObservers;
  /** Every client's operations and watch streams (true time), for the history checkers. */
  readonly recorder: HistoryRecorder;
  /** Who led, at which term, when; crashes as role "crashed" (for reports). */
  readonly timeline: TimelinePoint[] = [];
  private nemesis: Nemesis | undefined;
  /** The checkers this run declared, in report order; each gives its results when the run ends. */
  private readonly checkers: (() => CheckResult | readonly CheckResult[] | undefined)[] = [];
  /** When the heal ran (after the fault phase). */
  healedAt = 0;
  /**
   * Where this run's long columns (latencies, monitors' per-index tables) keep their full chunks: one
   * temporary file, opened when a column first grows past core/metrics/columns.ts's SPILL_AFTER chunks.
   */
  readonly columnStore = runBlockStore();

  constructor(opts: WorldOptions) {
    this.world = new World(opts);
    this.observe = new RunObservers(this.world);
    // A long run's packed history goes to a temporary file (see chunk-file.ts); a short one never packs.
    this.recorder = new HistoryRecorder(
      () => this.world.now,
      () => TempFileChunkStore.open(),
    );
  }

  /** Records role changes, and crashes of the given processes, in the timeline. */
  keepTimeline(crashesOf?: readonly string[]): void {
    this.observe.roles.on((r) =>
      this.timeline.push({ time: r.time, member: r.member, role: r.state.role, term: r.term }),
    );
    if (crashesOf !== undefined) {
      this.observe.lifecycle.on((ev) => {
        if (ev.kind === "crash" && crashesOf.includes(ev.process))
          this.timeline.push({ time: ev.time, member: ev.process, role: "crashed", term: 0 });
      });
    }
  }

  /**
   * Phase 1 (scheduled now, applied as the run goes): the fault schedule over the processes the
   * topology declares, with symbolic targets ("@leader") resolved when each fault starts.
   */
  scheduleFaults(
    faults: readonly FaultEvent[],
    phases: Phases,
    processes: () => readonly string[],
    resolveTarget?: (name: string) => string | undefined,
  ): Nemesis {
    this.nemesis = new Nemesis(this.world, processes, resolveTarget);
    this.nemesis.schedule(faults, phases.faultPhaseUs);
    return this.nemesis;
  }

  /**
   * The faults the nemesis started, as windows (end undefined: still on at the heal): for the checks that
   * excuse what a recent fault explains (kube-min-available), with the fault's kind and target (a resolved
   * process: the log holds faults as applied).
   */
  faultWindows(): { start: number; end: number | undefined; kind: string; target?: string }[] {
    return (
      this.nemesis?.log.map((a) => ({
        start: a.start,
        end: a.end,
        kind: a.fault.kind,
        ...("target" in a.fault ? { target: a.fault.target } : {}),
      })) ?? []
    );
  }

  /** Phase 1: the workload under faults, to faultPhaseUs (a long one bounds the heap's growth: heap.ts). */
  faultPhase(phases: Phases): void {
    boundHeapGrowth(phases.faultPhaseUs);
    this.world.runUntil(phases.faultPhaseUs);
  }

  /** Phase 2: heal everything (partitions lifted, crashed processes restarted, paused ones resumed, clocks reset). */
  heal(): void {
    this.nemesis?.heal();
    this.healedAt = this.world.now;
  }

  /** Phase 3: run until `converged` holds or the liveness bound after the heal passes; whether it converged. */
  liveness(phases: Phases, converged: () => boolean): boolean {
    return this.world.runUntilPredicate(converged, this.healedAt + phases.livenessBoundUs);
  }

  /**
   * Declares checkers: each is called once the run ends, in the order declared (the order reports list
   * them), and gives a result, several, or none (a check that does not apply to this run).
   */
  check(...checkers: (() => CheckResult | readonly CheckResult[] | undefined)[]): void {
    this.checkers.push(...checkers);
  }

  /** An assertion inside the system failed (only when one did). */
  assertions(): CheckResult | undefined {
    const f = this.world.failure;
    return f === undefined
      ? undefined
      : {
          name: "assertions",
          verdict: "fail",
          message: `assertion failed on ${f.process} at ${f.time}us (event ${f.event}): ${f.message}`,
        };
  }

  /** A restart resets every stream: no message may reach a later incarnation than it was sent to. */
  incarnations(): CheckResult {
    return this.world.incarnationCheck();
  }

  /** Ends the run: every declared checker's results, kept whole (evidence included), and what reports draw. */
  finish(extra?: RunExtra): ScenarioOutcome {
    const checks: CheckResult[] = [];
    for (const c of this.checkers) {
      const r = c();
      if (r === undefined) continue;
      if (Array.isArray(r)) checks.push(...(r as readonly CheckResult[]));
      else checks.push(r as CheckResult);
    }
    return this.outcome(checks, extra);
  }

  /** The run's outcome from its checks' results and what reports draw. */
  outcome(checks: CheckResult[], extra?: RunExtra): ScenarioOutcome {
    const w = this.world;
    const out: ScenarioOutcome = {
      ...(extra !== undefined ? { extra } : {}),
      checks,
      traceHash: w.trace.hash(),
      stats: {
        events: w.scheduler.executed,
        messages: w.network.stats.sent,
        ops: this.recorder.operations.length,
        simTimeMs: w.now / 1000,
      },
      history: { operations: this.recorder.operations, watches: this.recorder.watches },
      faultLog: (this.nemesis?.log ?? []).map((a) => ({ fault: a.fault, start: a.start, end: a.end })),
      timeline: this.timeline,
    };
    if (w.trace.lines) out.traceLines = w.trace.lines;
    return out;
  }
}
