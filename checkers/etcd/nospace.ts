// etcd-nospace: the space quota's promises, judged from each member's apply loop.
// Safety: no member applies a write (a put, a Txn with a put in either branch, a LeaseGrant: a request
// whose cost, restated below, is not 0) while its own view has a NOSPACE alarm active — etcd's capped
// applier refuses them until `alarm disarm` —, nor one past the quota without answering "database space
// exceeded" and raising the alarm (etcd's quota applier).
// (The one write etcd applies past the quota is the one that *raises* the alarm: its quota applier
// applies it, answers "database space exceeded" and proposes the alarm, which lands later.)
// Cause: a member refuses a request for the quota only if etcd's backendQuota.Available would: the
// request writes something (its cost, restated below from etcd's quota.go, is not 0) and the backend's
// size plus that cost reaches --quota-backend-bytes.
// The backend's size is the checker's own account, not the member's word: the bbolt file grows as
// committed revisions store versions past its live data, keeps its length through compactions and
// restarts (a file never shrinks by itself), and shrinks to the live data only when defragmented. The
// member reports what its store did (the versions each revision stored, the versions a compaction or a
// restore left); the checker restates their cost (etcd's kvOverhead per version) and the file's length.
// The size a member counts before each apply (etcd's dbSize) must be that account's.
// A restarted member does not apply again what its backend held (the consistent index it reports): such
// an entry is neither judged nor refused a second time.
// Every disarm that changed an alarm comes from a call that was not refused: a call answered with a
// definite error (no leader to propose it to, no permission) was never proposed, so it disarms nothing
// (judged where the clients' alarm calls are logged: the applied disarms of a member's alarm are at most
// the calls for it answered ok or left unanswered).
// Liveness: once an alarm was raised, the operator's compaction + defrag + disarm brings the cluster
// back — every member ends with no alarm, and some write is applied after the last disarm.
import type { AlarmChangeCall } from "../../core/etcd/maintenance.ts";
import type { EtcdRequest, RequestOp } from "../../core/mvcc/rpc.ts";
import type { CheckResult } from "../types.ts";

/** One member's apply loop, as the member reports it (in apply order per member). */
export type NoSpaceObservation =
  | { member: string; kind: "alarm" | "disarm"; raisedBy: string; index: number }
  /**
   * A request the member applied (the capped applier let it through), its backend `backendBytes` long by
   * its own count (absent in hand-made logs: not judged)
   * before; `wrote`: the revision moved. Every applied request is reported, whatever the member's own rule
   * guards: which ones cost is the checker's to say (quotaCost).
   */
  | {
      member: string;
      kind: "write";
      index: number;
      revision: number;
      request: EtcdRequest;
      backendBytes?: number;
      wrote: boolean;
    }
  /**
   * The member (re)started or installed a snapshot: its view is exactly these alarms from here on (a restart
   * replays the log after it), and its store holds `versions` versions of `bytes` keys and values.
   */
  | {
      member: string;
      kind: "restore";
      alarms: readonly string[];
      index: number;
      versions: number;
      bytes: number;
      /**
       * A restart only: the consistent index the member's backend held (absent: 0). etcd does not apply
       * an entry at or below it again, so its quota applier does not judge it a second time.
       */
      consistentIndex?: number;
    }
  /** A committed revision stored these versions on the member (their keys' and values' lengths). */
  | { member: string; kind: "stored"; revision: number; versions: number; bytes: number }
  /** A compaction the member applied at `index` left its store holding these versions. */
  | { member: string; kind: "compacted"; index: number; versions: number; bytes: number }
  /** The member defragmented its backend. */
  | { member: string; kind: "defragment" }
  /** The member refused `request` for the quota (index -1: before proposing it), its backend `backendBytes` long. */
  | { member: string; kind: "refused"; request: EtcdRequest; backendBytes: number; index: number };

/** etcd's kvOverhead and leaseOverhead (server/etcdserver/quota.go). */
const KV_OVERHEAD = 256;
const LEASE_OVERHEAD = 64;
/** An empty backend's size (bbolt's meta pages and etcd's buckets), as the simulated etcd counts it. */
const BACKEND_BASE_BYTES = 20_480;

/** One member's backend file, as the checker accounts for it. */
class BackendAccount {
  live = BACKEND_BASE_BYTES;
  size = BACKEND_BASE_BYTES;
  /** The size before the latest revision stored anything, and that revision. */
  beforeRevision = 0;
  sizeBeforeRevision = BACKEND_BASE_BYTES;
  /** The size before the latest applied write, and its index (a quota applier's refusal follows its write). */
  writeIndex = -1;
  sizeBeforeWrite = BACKEND_BASE_BYTES;
  /** The index of the last compaction whose kept versions the member reported. */
  compactedAt = -1;

  /** The store now holds exactly these versions: the file keeps its length unless they outgrow it. */
  recount(versions: number, bytes: number): void {
    this.live = BACKEND_BASE_BYTES + versions * KV_OVERHEAD + bytes;
    if (this.live > this.size) this.size = this.live;
    // A restarted member stores its revisions again as it replays them: the next one starts afresh.
    this.beforeRevision = -1;
  }

  stored(revision: number, versions: number, bytes: number): void {
    if (revision !== this.beforeRevision) {
      this.beforeRevision = revision;
      this.sizeBeforeRevision = this.size;
    }
    this.live += versions * KV_OVERHEAD + bytes;
    if (this.live > this.size) this.size = this.live;
  }

  /** A defragmentation rewrites the file with the live data only. */
  defragment(): void {
    this.size = this.live;
  }

  /** The size before an applied request that left the store at `revision` (`wrote`: it made that revision). */
  sizeBefore(revision: number, wrote: boolean): number {
    return wrote && revision === this.beforeRevision ? this.sizeBeforeRevision : this.size;
  }
}

/**
 * etcd's Quota.Cost: a put its overhead, key and value; a Txn its costlier branch's puts and nested
 * Txns (etcd #22134 made nested Txns count); a LeaseGrant its overhead; anything else nothing.
 */
export function quotaCost(req: EtcdRequest): number {
  switch (req.kind) {
    case "put":
      return KV_OVERHEAD + req.put.key.length + req.put.value.length;
    case "txn":
      return txnCost(req.txn);
    case "leaseGrant":
      return LEASE_OVERHEAD;
    default:
      return 0;
  }
}

function txnCost(t: { success: readonly RequestOp[]; failure: readonly RequestOp[] }): number {
  const branch = (ops: readonly RequestOp[]) =>
    ops.reduce(
      (n, op) =>
        n +
        ("requestPut" in op
          ? KV_OVERHEAD + op.requestPut.key.length + op.requestPut.value.length
          : "requestTxn" in op
            ? txnCost(op.requestTxn)
            : 0),
      0,
    );
  return Math.max(branch(t.success), branch(t.failure));
}

/** The member's own figure, where it is not the checker's. */
function reported(memberBytes: number | undefined, bytes: number): string {
  return memberBytes === undefined || memberBytes === bytes
    ? ""
    : ` by the checker's account; the member counted ${memberBytes}`;
}

export function checkNoSpace(
  events: readonly NoSpaceObservation[],
  opts: { requireRecovery?: boolean; quotaBytes?: number; alarmCalls?: readonly AlarmChangeCall[] } = {},
): CheckResult {
  const name = "etcd-nospace";
  const active = new Map<string, Set<string>>();
  const backends = new Map<string, BackendAccount>();
  const lastDisarm = new Map<string, number>();
  // Per member: the consistent index its backend held at its latest restart.
  const heldAtRestart = new Map<string, number>();
  const writesAfterDisarm = new Map<string, number>();
  // Per member whose alarm was disarmed: the indexes of the disarms that changed some member's view.
  const disarmEntries = new Map<string, Set<number>>();
  let raised = 0,
    disarmed = 0,
    writes = 0,
    refusals = 0;
  const bad: string[] = [];
  // Entries the quota applier answered "database space exceeded" after applying them (it raised the alarm).
  const answeredOver = new Set(
    events.flatMap((e) => (e.kind === "refused" && e.index >= 0 ? [`${e.member}/${e.index}`] : [])),
  );
  for (const e of events) {
    let view = active.get(e.member);
    if (view === undefined) active.set(e.member, (view = new Set()));
    let backend = backends.get(e.member);
    if (backend === undefined) backends.set(e.member, (backend = new BackendAccount()));
    if (e.kind === "stored") {
      backend.stored(e.revision, e.versions, e.bytes);
    } else if (e.kind === "compacted") {
      backend.recount(e.versions, e.bytes);
      backend.compactedAt = e.index;
    } else if (e.kind === "defragment") {
      backend.defragment();
    } else if (e.kind === "refused") {
      refusals++;
      const held = heldAtRestart.get(e.member) ?? 0;
      if (e.index >= 0 && e.index <= held) {
        bad.push(
          `${e.member} refused a ${e.request.kind} for the quota at index ${e.index}, an entry its backend held when it restarted (consistent index ${held}): etcd does not apply such an entry again`,
        );
        continue;
      }
      const cost = quotaCost(e.request);
      const size = e.index >= 0 && e.index === backend.writeIndex ? backend.sizeBeforeWrite : backend.size;
      if (opts.quotaBytes !== undefined && (cost === 0 || size + cost < opts.quotaBytes))
        bad.push(
          `${e.member} refused a ${e.request.kind} for the quota ${e.index < 0 ? "before proposing it" : `at index ${e.index}`}, though it ${cost === 0 ? "writes nothing" : `fits: backend ${size}${reported(e.backendBytes, size)} + cost ${cost} < quota ${opts.quotaBytes}`}`,
        );
    } else if (e.kind === "restore") {
      if (e.consistentIndex !== undefined) heldAtRestart.set(e.member, e.consistentIndex);
      active.set(e.member, new Set(e.alarms));
      backend.recount(e.versions, e.bytes);
    } else if (e.kind === "alarm") {
      raised++;
      view.add(e.raisedBy);
    } else if (e.kind === "disarm") {
      disarmed++;
      view.delete(e.raisedBy);
      let entries = disarmEntries.get(e.raisedBy);
      if (entries === undefined) disarmEntries.set(e.raisedBy, (entries = new Set()));
      entries.add(e.index);
      lastDisarm.set(e.member, e.index);
      writesAfterDisarm.set(e.member, 0);
    } else if (e.kind === "write") {
      // A compaction frees the versions it removes: the member reports what its store kept just before
      // reporting the compaction applied. Without that report the account would go on counting them.
      if (e.request.kind === "compact" && backend.compactedAt !== e.index)
        bad.push(
          `${e.member} applied a compaction at index ${e.index} without reporting the versions it left (the account cannot free what it removed)`,
        );
      const size = backend.sizeBefore(e.revision, e.wrote);
      backend.writeIndex = e.index;
      backend.sizeBeforeWrite = size;
      // The size the member admits by (what etcd's Status reports as dbSize) is its file's length.
      if (e.backendBytes !== undefined && e.backendBytes !== size)
        bad.push(
          `${e.member} counted its backend ${e.backendBytes} bytes long before applying index ${e.index}; its file is ${size} by the checker's account`,
        );
      // What etcd's capped applier refuses: a request whose cost is not 0 (a Txn with a put in either branch).
      const cost = quotaCost(e.request);
      if (cost === 0) continue;
      writes++;
      if (view.size > 0)
        bad.push(
          `${e.member} applied a ${e.request.kind} costing ${cost} at revision ${e.revision} (index ${e.index}) while NOSPACE was active (raised by ${[...view].join(", ")})`,
        );
      else if (
        opts.quotaBytes !== undefined &&
        size + cost >= opts.quotaBytes &&
        !answeredOver.has(`${e.member}/${e.index}`) &&
        // Replayed into a backend that held it: judged when it first applied, not again.
        e.index > (heldAtRestart.get(e.member) ?? 0)
      )
        bad.push(
          `${e.member} applied a ${e.request.kind} at index ${e.index} past the quota (backend ${size}${reported(e.backendBytes, size)} + cost ${cost} ≥ quota ${opts.quotaBytes}) without answering "database space exceeded" and raising the alarm`,
        );
      else if (lastDisarm.has(e.member) && e.wrote)
        writesAfterDisarm.set(e.member, (writesAfterDisarm.get(e.member) ?? 0) + 1);
    }
  }
  if (opts.alarmCalls !== undefined)
    for (const [target, entries] of disarmEntries) {
      const calls = opts.alarmCalls.filter((c) => c.op === "alarmDisarm" && c.target === target);
      const answerable = calls.filter((c) => c.outcome !== "refused").length;
      if (entries.size > answerable)
        bad.push(
          `${entries.size} disarms of ${target}'s NOSPACE alarm applied (index ${[...entries].sort((a, b) => a - b).join(", ")}), from ${answerable} disarm calls for it answered ok or not at all (${calls.length - answerable} refused): a call answered with a definite error took effect`,
        );
    }
  if (bad.length > 0) {
    return {
      name,
      verdict: "fail",
      message: `${bad[0]}${bad.length > 1 ? ` (+${bad.length - 1} more)` : ""}`,
      evidence: { violations: bad.slice(0, 20) },
    };
  }
  const judged = opts.quotaBytes !== undefined ? `, ${refusals} quota refusals as etcd's rule has them` : "";
  const summary = `${writes} writes applied${judged}, ${raised} NOSPACE activations and ${disarmed} disarms across members`;
  if (raised === 0) {
    if (opts.requireRecovery)
      return { name, verdict: "fail", message: `the space quota was never reached (${summary}): nothing was tested` };
    return { name, verdict: "pass", message: `${summary}: the quota was never reached` };
  }
  const stillActive = [...active].filter(([, v]) => v.size > 0).map(([m]) => m);
  if (stillActive.length > 0)
    return {
      name,
      verdict: "fail",
      message: `did not recover: NOSPACE still active on ${stillActive.join(", ")} at the end (${summary})`,
    };
  const recovered = [...writesAfterDisarm].filter(([, n]) => n > 0).map(([m]) => m);
  if (recovered.length === 0)
    return { name, verdict: "fail", message: `did not recover: no write applied after the last disarm (${summary})` };
  return {
    name,
    verdict: "pass",
    message: `${summary}: no write applied during NOSPACE; writes applied again after disarm on ${recovered.join(", ")}`,
  };
}
