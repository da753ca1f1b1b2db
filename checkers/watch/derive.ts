// Ground truth for the watch checker from what a caller has: the store's applied changes (exact), or
// a client history of writes whose responses carry revisions (best effort, for external histories).
import type { EtcdOperation } from "../history.ts";
import type {
  DeleteRangeRequest,
  DeleteRangeResponse,
  EtcdRequest,
  EtcdResponse,
  Event,
  KeyValue,
  PutRequest,
  PutResponse,
  RequestOp,
  ResponseOp,
} from "../../core/mvcc/rpc.ts";
import { writeRevision } from "../../core/mvcc/rpc.ts";
import { WatchInputError } from "./change-index.ts";
import type { CompactionRecord, RevisionChanges } from "./types.ts";

/** One applied put or delete of one key; all changes of a transaction share its revision. */
export interface AppliedChange {
  revision: number;
  type: "PUT" | "DELETE";
  key: string;
  value?: string;
  lease?: number;
}

/**
 * Replays applied changes (ascending revision) over `initial` (the keys alive before the first) and
 * returns each revision's events with full kv and prevKv. A delete of an absent key changes nothing
 * and yields no event; a revision left without events is omitted.
 */
export function changesFromApplied(
  applied: readonly AppliedChange[],
  initial: readonly KeyValue[] = [],
): RevisionChanges[] {
  const out: RevisionChanges[] = [];
  const replay = new AppliedReplay((c) => out.push(c), initial);
  for (const c of applied) replay.push(c);
  replay.end();
  return out;
}

/**
 * changesFromApplied one change at a time: each revision's events go to `emit` once the next revision
 * begins (or at `end`), so a checker can index them as the run goes. Throws WatchInputError as
 * changesFromApplied does, naming the change by its position.
 */
export class AppliedReplay {
  private readonly state: Map<string, KeyValue>;
  /**
   * The revision being replayed, and its events so far: events[0, eventCount), copied out at its end, sized
   * to them. The array is reused, never shrunk (setting its length is a runtime call, once per revision);
   * slots past eventCount are never read.
   */
  private revision: number | undefined;
  private readonly events: Event[] = [];
  private eventCount = 0;
  /**
   * Each key changed in this revision, with its pair at revision − 1 (undefined: absent): a key changes
   * twice in one revision only under a from-key delete (see ChangeIndex), and prev_kv is read there.
   */
  private readonly keysThisRevision = new Map<string, KeyValue | undefined>();
  private count = 0;

  constructor(
    private readonly emit: (change: RevisionChanges) => void,
    initial: readonly KeyValue[] = [],
  ) {
    this.state = new Map<string, KeyValue>(initial.map((kv) => [kv.key, kv]));
  }

  push(c: AppliedChange): void {
    this.pushChange(c.revision, c.type, c.key, c.value, c.lease);
  }

  /** push() with the change's fields as arguments (a caller that has them builds no AppliedChange). */
  pushChange(
    revision: number,
    type: AppliedChange["type"],
    key: string,
    value: string | undefined,
    lease: number | undefined,
  ): void {
    const i = this.count++;
    if (this.revision === undefined || revision !== this.revision) {
      if (this.revision !== undefined && revision < this.revision) {
        throw new WatchInputError(`applied[${i}]: revision ${revision} after revision ${this.revision}`);
      }
      this.end();
      this.revision = revision;
      this.keysThisRevision.clear();
    }
    const prev = this.state.get(key);
    // The pair at revision − 1: prev, unless the key changed earlier in this revision.
    let before = prev;
    if (this.keysThisRevision.size > 0 && this.keysThisRevision.has(key)) {
      if (type === "PUT" && this.putThisRevision(key))
        throw new WatchInputError(`applied[${i}]: key ${JSON.stringify(key)} put twice in revision ${revision}`);
      before = this.keysThisRevision.get(key);
    } else this.keysThisRevision.set(key, prev);
    if (type === "PUT") {
      const kv: KeyValue = {
        key,
        createRevision: prev?.createRevision ?? revision,
        modRevision: revision,
        version: (prev?.version ?? 0) + 1,
        value: value ?? "",
        lease: lease ?? 0,
      };
      this.state.set(key, kv);
      // A create event carries no prev_kv (etcd's watch reads it only for a PUT that is not a create).
      this.addEvent(prev === undefined ? { type: "PUT", kv } : { type: "PUT", kv, prevKv: prev });
    } else if (prev !== undefined) {
      this.state.delete(key);
      this.addEvent(
        before === undefined
          ? { type: "DELETE", kv: deletedKv(key, revision) }
          : { type: "DELETE", kv: deletedKv(key, revision), prevKv: before },
      );
    }
  }

  /** Whether key was put in the revision being replayed (asked only of a key changed there already). */
  private putThisRevision(key: string): boolean {
    for (let k = 0; k < this.eventCount; k++) {
      const e = this.events[k]!;
      if (e.type === "PUT" && e.kv.key === key) return true;
    }
    return false;
  }

  private addEvent(e: Event): void {
    const i = this.eventCount++;
    if (i === this.events.length) this.events.push(e);
    else this.events[i] = e;
  }

  /** The revision being replayed is complete: emitted if it has events. */
  end(): void {
    if (this.revision !== undefined && this.eventCount > 0)
      this.emit({ revision: this.revision, events: this.events.slice(0, this.eventCount) });
    this.eventCount = 0;
  }
}

/**
 * Best effort: the changes that successful writes in a client history reveal, placed at their
 * responses' revisions. Writes with unknown outcome, range deletes without prevKvs and ignore_value
 * puts without prevKv leave holes; createRevision/version are 0 (unknown) unless a prevKv tells.
 * Check the result with `{ partialChanges: true }`.
 */
export function changesFromClientHistory(operations: readonly EtcdOperation[]): RevisionChanges[] {
  const byRevision = new Map<number, Event[]>();
  for (const op of operations) {
    if (op.response === null || op.error !== undefined) continue;
    const rev = writeRevision(op.response);
    if (rev === undefined) continue;
    const events: Event[] = [];
    collect(op.request, op.response, rev, events);
    if (events.length === 0) continue;
    let list = byRevision.get(rev);
    if (list === undefined) byRevision.set(rev, (list = []));
    // Two operations claiming one revision contradict each other; the linearizability checker judges
    // that. Keep the first claim per key so the truth stays well-formed.
    for (const e of events) if (!list.some((x) => x.kv.key === e.kv.key)) list.push(e);
  }
  return [...byRevision.entries()].sort((a, b) => a[0] - b[0]).map(([revision, events]) => ({ revision, events }));
}

/** Compaction requests that may have taken effect (succeeded or unknown outcome), at their call times. */
export function compactionsFromClientHistory(operations: readonly EtcdOperation[]): CompactionRecord[] {
  const out: CompactionRecord[] = [];
  for (const op of operations) {
    if (op.request.kind !== "compact") continue;
    const definitelyFailed = op.return !== null && op.response === null;
    if (!definitelyFailed) out.push({ revision: op.request.compact.revision, time: op.call });
  }
  return out;
}

function collect(req: EtcdRequest, res: EtcdResponse, rev: number, out: Event[]): void {
  if (req.kind === "put" && res.kind === "put") putEvent(req.put, res.put, rev, out);
  else if (req.kind === "deleteRange" && res.kind === "deleteRange")
    deleteEvents(req.deleteRange, res.deleteRange, rev, out);
  else if (req.kind === "txn" && res.kind === "txn") {
    const branch = res.txn.succeeded ? req.txn.success : req.txn.failure;
    branch.forEach((op, i) => {
      const r = res.txn.responses[i];
      if (r !== undefined) collectOp(op, r, rev, out);
    });
  }
}

function collectOp(op: RequestOp, r: ResponseOp, rev: number, out: Event[]): void {
  if ("requestPut" in op && "responsePut" in r) putEvent(op.requestPut, r.responsePut, rev, out);
  else if ("requestDeleteRange" in op && "responseDeleteRange" in r)
    deleteEvents(op.requestDeleteRange, r.responseDeleteRange, rev, out);
  else if ("requestTxn" in op && "responseTxn" in r)
    collect({ kind: "txn", txn: op.requestTxn }, { kind: "txn", txn: r.responseTxn }, rev, out);
}

function putEvent(req: PutRequest, res: PutResponse, rev: number, out: Event[]): void {
  const prev = res.prevKv;
  if (req.ignoreValue === true && prev === undefined) return; // the value written is unknown
  const value = req.ignoreValue === true && prev !== undefined ? prev.value : req.value;
  const lease = req.ignoreLease === true ? (prev?.lease ?? 0) : (req.lease ?? 0);
  // Without prevKv in the request, whether the key existed is unknown: 0 marks unknown.
  const created = prev === undefined && req.prevKv === true;
  const kv: KeyValue = {
    key: req.key,
    createRevision: prev !== undefined ? prev.createRevision : created ? rev : 0,
    modRevision: rev,
    version: prev !== undefined ? prev.version + 1 : created ? 1 : 0,
    value,
    lease,
  };
  out.push(prev === undefined ? { type: "PUT", kv } : { type: "PUT", kv, prevKv: prev });
}

function deleteEvents(req: DeleteRangeRequest, res: DeleteRangeResponse, rev: number, out: Event[]): void {
  if (res.deleted === 0) return;
  if (req.rangeEnd === undefined || req.rangeEnd === "") {
    const prev = res.prevKvs[0];
    out.push(
      prev === undefined
        ? { type: "DELETE", kv: deletedKv(req.key, rev) }
        : { type: "DELETE", kv: deletedKv(req.key, rev), prevKv: prev },
    );
    return;
  }
  // A range delete names its keys only through prevKvs.
  for (const prev of res.prevKvs) out.push({ type: "DELETE", kv: deletedKv(prev.key, rev), prevKv: prev });
}

/** A DELETE event's kv: the key and the deletion's revision, every other field zero (as etcd sends it). */
export function deletedKv(key: string, revision: number): KeyValue {
  return { key, createRevision: 0, modRevision: revision, version: 0, value: "", lease: 0 };
}
