// kube-compaction: the apiservers keep compacting etcd, as k8s.io/apiserver/pkg/storage/etcd3/compact.go
// does. Every apiserver runs the loop: each interval (on its own clock) it sends a Txn that puts
// compact_rev_key if the key's version is the one it last saw, and the one that wins compacts at the
// revision it saw a round earlier, so watchers have had one interval to catch up. Nothing else in a run
// notices a loop that stopped: the cluster keeps working while etcd's history grows to its quota.
//
// The loop reports when it started and when each round ended; its requests are in the etcd history.
// Per apiserver incarnation the check restates:
//   - cadence: each round's Txn is sent one interval after the loop started or the previous round
//     ended — no sooner than the fastest clock allows, no later than the slowest allows plus the time
//     the apiserver was paused; and a loop alive at the end of its incarnation (a crash, or the run's
//     end) has not let more than that pass since its last round ended;
//   - what each Txn asks: it compares the version the apiserver last learned of compact_rev_key and
//     puts the revision its previous answered round saw;
//   - the winner compacts: a Txn that won with a revision to compact at is followed, at once, by a
//     Compaction at exactly that revision from the same client.
import type { EtcdOperation } from "../history.ts";
import type { CompactorEvent } from "../../core/kube/observations.ts";
import type { CheckResult } from "../types.ts";
import { COMPACT_REV_KEY } from "../../core/kube/compactor.ts";

export interface CompactionCheckInput {
  /** The loops' reports (KubeObservations.compactor). */
  events: readonly CompactorEvent[];
  /** The apiservers' etcd operations. */
  operations: readonly EtcdOperation[];
  /** Each etcd client an apiserver made, in the order made: its k-th client serves its k-th incarnation. */
  clients: readonly { apiserver: string; client: number }[];
  /** Process lifecycle, in time order (pauses stretch a round; a crash ends an incarnation). */
  lifecycle: readonly { time: number; process: string; kind: "crash" | "restart" | "pause" | "resume" }[];
  intervalUs: number;
  /** When the run ended. */
  end: number;
  /** The fastest and slowest clock drift any fault set (ppm; fastest ≥ 0, slowest ≤ 0). */
  maxDriftPpm?: number;
  minDriftPpm?: number;
}

/** A timer's true delay may differ from its nominal one by a microsecond of rounding. */
const ROUNDING_US = 2;
const MAX_VIOLATIONS = 20;

interface Incarnation {
  apiserver: string;
  start: number;
  end: number;
  client: number | undefined;
  dones: number[];
}

export function checkCompaction(input: CompactionCheckInput): CheckResult {
  const name = "kube-compaction";
  const events = input.events;
  // Every apiserver incarnation (each made one etcd client) starts a loop: one that reported none would
  // otherwise pass here unjudged.
  const loops = new Map<string, number>();
  for (const e of events) if (e.kind === "started") loops.set(e.apiserver, (loops.get(e.apiserver) ?? 0) + 1);
  const made = new Map<string, number>();
  for (const c of input.clients) made.set(c.apiserver, (made.get(c.apiserver) ?? 0) + 1);
  const silent = [...made]
    .filter(([a, n]) => (loops.get(a) ?? 0) < n)
    .map(([a, n]) => `${a} (${n - (loops.get(a) ?? 0)} of ${n})`);
  if (silent.length > 0)
    return {
      name,
      verdict: "fail",
      message: `apiserver incarnations that started no compaction loop: ${silent.sort().join(", ")}`,
    };
  if (events.length === 0) return { name, verdict: "pass", message: "no compaction loop ran" };
  const slowest = Math.min(0, input.minDriftPpm ?? 0);
  const fastest = Math.max(0, input.maxDriftPpm ?? 0);
  const latest = Math.ceil((input.intervalUs * 1e6) / (1e6 + slowest)) + ROUNDING_US;
  const earliest = Math.floor((input.intervalUs * 1e6) / (1e6 + fastest)) - ROUNDING_US;
  const incarnations = incarnationsOf(input);
  const violations: string[] = [];
  const fail = (s: string) => {
    if (violations.length < MAX_VIOLATIONS) violations.push(s);
  };
  let rounds = 0;
  let compactions = 0;
  for (const inc of incarnations) {
    const ops = input.operations.filter((op) => op.client === inc.client);
    const txns = ops.filter(isCompactorTxn);
    const who = `${inc.apiserver} (up at ${ms(inc.start)})`;
    if (inc.client === undefined && txns.length === 0 && inc.dones.length === 0) continue;
    // Cadence.
    let from = inc.start;
    for (let k = 0; k <= txns.length; k++) {
      const call = k < txns.length ? txns[k]!.call : undefined;
      const until = call ?? inc.end;
      const paused = pausedWithin(input.lifecycle, inc.apiserver, from, until);
      const allowed = latest + paused;
      const interval = `an interval is ${ms(input.intervalUs)}${paused > 0 ? `, paused ${ms(paused)}` : ""}`;
      if (call === undefined) {
        if (until - from > allowed)
          fail(`${who}: no compaction round for ${ms(until - from)} after ${ms(from)} (${interval})`);
        break;
      }
      if (call - from > allowed)
        fail(`${who}: round ${k + 1} began at ${ms(call)}, ${ms(call - from)} after ${ms(from)} (${interval})`);
      else if (call - from < earliest)
        fail(
          `${who}: round ${k + 1} began at ${ms(call)}, only ${ms(call - from)} after ${ms(from)} (an interval is ${ms(input.intervalUs)})`,
        );
      rounds++;
      const done = inc.dones[k];
      if (done === undefined) break; // in flight when the incarnation ended
      from = done;
    }
    // What each Txn asks, and the winner's compaction.
    let version = 0;
    let revision = 0;
    for (const txn of txns) {
      const req = txn.request.kind === "txn" ? txn.request.txn : undefined;
      if (req === undefined) continue;
      const asked = req.compare[0]?.target === "VERSION" ? req.compare[0].version : undefined;
      const put = req.success[0];
      const putValue = put !== undefined && "requestPut" in put ? put.requestPut.value : undefined;
      if (asked !== version || putValue !== String(revision)) {
        fail(
          `${who}: the Txn at ${ms(txn.call)} compared version ${asked} and put ${putValue}, but the apiserver had learned version ${version} and revision ${revision}`,
        );
        // Go on from what it asked, so one wrong round is reported once.
        version = asked ?? version;
        revision = Number(putValue ?? revision);
      }
      const resp = txn.response?.kind === "txn" ? txn.response.txn : undefined;
      if (resp === undefined) continue; // failed or unknown: the apiserver keeps what it knew
      const seen = resp.header.revision;
      if (!resp.succeeded) {
        const r = resp.responses[0];
        version = r !== undefined && "responseRange" in r ? (r.responseRange.kvs[0]?.version ?? 0) : 0;
        revision = seen;
        continue;
      }
      if (revision > 0) {
        compactions++;
        const compact = ops.find(
          (op) => op.request.kind === "compact" && op.call >= txn.return! && op.call <= txn.return!,
        );
        const at = compact?.request.kind === "compact" ? compact.request.compact.revision : undefined;
        if (at === undefined)
          fail(
            `${who}: won the round at ${ms(txn.return!)} with revision ${revision} to compact at, and sent no Compaction`,
          );
        else if (at !== revision)
          fail(
            `${who}: won the round at ${ms(txn.return!)} with revision ${revision} to compact at, and compacted at ${at}`,
          );
      }
      version++;
      revision = seen;
    }
  }
  if (violations.length > 0) return { name, verdict: "fail", message: violations.join("; ") };
  return {
    name,
    verdict: "pass",
    message: `${rounds} rounds in ${incarnations.length} apiserver incarnations, each on time; ${compactions} won with a revision, each compacted at it`,
  };
}

function isCompactorTxn(op: EtcdOperation): boolean {
  return op.request.kind === "txn" && op.request.txn.compare[0]?.key === COMPACT_REV_KEY;
}

/** Each loop's start, the end of its incarnation (its process's next crash, or the run's end), its client and rounds. */
function incarnationsOf(input: CompactionCheckInput): Incarnation[] {
  const out: Incarnation[] = [];
  const current = new Map<string, Incarnation>();
  const clientsOf = new Map<string, number[]>();
  for (const c of input.clients) {
    const l = clientsOf.get(c.apiserver) ?? clientsOf.set(c.apiserver, []).get(c.apiserver)!;
    l.push(c.client);
  }
  const started = new Map<string, number>();
  for (const e of input.events) {
    if (e.kind === "started") {
      const n = started.get(e.apiserver) ?? 0;
      started.set(e.apiserver, n + 1);
      const inc: Incarnation = {
        apiserver: e.apiserver,
        start: e.time,
        end: crashAfter(input.lifecycle, e.apiserver, e.time) ?? input.end,
        client: clientsOf.get(e.apiserver)?.[n],
        dones: [],
      };
      current.set(e.apiserver, inc);
      out.push(inc);
    } else current.get(e.apiserver)?.dones.push(e.time);
  }
  return out;
}

function crashAfter(lifecycle: CompactionCheckInput["lifecycle"], process: string, after: number): number | undefined {
  for (const l of lifecycle) if (l.process === process && l.kind === "crash" && l.time >= after) return l.time;
  return undefined;
}

/** How long `process` was paused within [from, to] (crashes end a pause). */
export function pausedWithin(
  lifecycle: CompactionCheckInput["lifecycle"],
  process: string,
  from: number,
  to: number,
): number {
  let total = 0;
  let pausedAt: number | undefined;
  for (const l of lifecycle) {
    if (l.process !== process) continue;
    if (l.kind === "pause") pausedAt = l.time;
    else if ((l.kind === "resume" || l.kind === "crash") && pausedAt !== undefined) {
      total += overlap(pausedAt, l.time, from, to);
      pausedAt = undefined;
    }
  }
  if (pausedAt !== undefined) total += overlap(pausedAt, Number.POSITIVE_INFINITY, from, to);
  return total;
}

function overlap(a: number, b: number, from: number, to: number): number {
  return Math.max(0, Math.min(b, to) - Math.max(a, from));
}

function ms(us: number): string {
  return `${(us / 1000).toFixed(us % 1000 === 0 ? 0 : 1)}ms`;
}
