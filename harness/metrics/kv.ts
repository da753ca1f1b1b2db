// Latencies of one etcd key-value run: each member's request durations (from the side-channel log)
// and each client operation from call to return, as the client saw it (unknown outcomes have no
// return and are left out; definite failures are timed like successes).
import type { History } from "../../core/history.ts";
import { type BlockStore, ChunkedU32, OffsetColumn } from "../../core/metrics/columns.ts";
import type { LatencyLog, LatencyOp } from "../../core/metrics/latency.ts";
import { addEtcdOps, reportBuilder, type LatencyReport } from "./kube.ts";

/**
 * `etcd`: the log's operations, or the log itself (read in place, the same operations in the same order).
 * From the log, the report is built when first read (see lazyReport): until then a long run holds only the
 * log's compact columns and 12 bytes per client operation, not five arrays of numbers per operation.
 */
export function kvLatencyReport(etcd: readonly LatencyOp[] | LatencyLog, history: History): LatencyReport {
  if (Array.isArray(etcd)) {
    const b = reportBuilder();
    addEtcdOps(b, etcd as readonly LatencyOp[]);
    for (const op of history.operations)
      if (op.return !== null) b.add(`client ${op.request.kind}`, op.call, op.return - op.call);
    return b.report();
  }
  const log = etcd as LatencyLog;
  // What the report needs of the history, taken now (the history may change or go after the run).
  const client = new ClientTimes(log.spill);
  for (const op of history.operations)
    if (op.return !== null) client.add(op.request.kind, op.call, op.return - op.call);
  // The requests so far, not the log: the log's clock reaches the whole simulated world, which the report
  // must not keep alive.
  const requests = log.etcd;
  const count = requests.count;
  return lazyReport(() => {
    const b = reportBuilder();
    // addEtcdOps reads a log through forEachEtcd: handed one that visits these requests.
    addEtcdOps(b, { forEachEtcd: (visit) => requests.forEach(visit, count) } as LatencyLog);
    client.forEach((metric, t, d) => b.add(metric, t, d));
    return b.report();
  });
}

/** Completed client operations in history order: "client <kind>" by number, call time and duration. */
class ClientTimes {
  private readonly metric: ChunkedU32;
  private readonly call: OffsetColumn;
  private readonly duration: OffsetColumn;
  /** "client <kind>" by number, built once per request kind rather than once per operation. */
  private readonly metrics: string[] = [];
  private readonly metricNo = new Map<string, number>();

  /** `spill`: the columns' store once they are long (the log's: appended to, read in order). */
  constructor(spill?: () => BlockStore | undefined) {
    this.metric = new ChunkedU32(spill);
    this.call = new OffsetColumn(spill);
    this.duration = new OffsetColumn(spill);
  }

  add(kind: string, call: number, duration: number): void {
    let n = this.metricNo.get(kind);
    if (n === undefined) {
      n = this.metrics.push(`client ${kind}`) - 1;
      this.metricNo.set(kind, n);
    }
    this.metric.push(n);
    this.call.push(call);
    this.duration.push(duration);
  }

  forEach(visit: (metric: string, t: number, d: number) => void): void {
    for (let i = 0; i < this.call.length; i++)
      visit(this.metrics[this.metric.get(i)]!, this.call.at(i), this.duration.at(i));
  }
}

/**
 * A report whose fields are built on first read, all at once, by `build`; from then on they are plain
 * data properties (same keys, same order, so JSON, structured clones and deep comparisons see the report
 * `build` returns) and `build`, with what it holds, is let go. Assigning a field first builds the rest.
 */
export function lazyReport(build: () => LatencyReport): LatencyReport {
  const r = {} as LatencyReport;
  let source: (() => LatencyReport) | undefined = build;
  const settle = () => {
    if (source === undefined) return;
    const built = source();
    source = undefined;
    for (const key of KEYS)
      Object.defineProperty(r, key, { value: built[key], writable: true, enumerable: true, configurable: true });
  };
  for (const key of KEYS)
    Object.defineProperty(r, key, {
      enumerable: true,
      configurable: true,
      get: () => {
        settle();
        return r[key];
      },
      set: (x: never) => {
        settle();
        r[key] = x;
      },
    });
  return r;
}

/** LatencyReport's fields in the order reportBuilder's report() lists them. */
const KEYS = ["points", "samples", "steps", "perMember"] as const;
