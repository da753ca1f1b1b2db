// A client's write takes effect once. A request whose outcome is unknown (a timeout: it may be in the log)
// must not be sent again as if it had failed: etcd's clientv3 did, until PR #6691 ("do not retry on
// mutable operations: retrying on Put might put the same key twice and save two revisions"). Nothing
// else sees it: both entries are legal Raft entries every member applies alike, and the client's history
// shows one put answered once; only a read that happens to land between the two revisions contradicts it.
//
// The workloads write values unique to the request that carries them. So this keeps, for the committed
// entries (the first member to apply each index) that changed the store, the put values each carries,
// and notes a value a second such entry carries too. At the end a noted value is judged against the
// history: carried by exactly one client request, that request took effect twice; carried by several
// (two requests that wrote the same bytes, as an apiserver may) or by none recorded, it is not judged.
// Values are kept for a window of virtual time, not for the whole run, so memory stays flat in run
// length; a client resends within its request timeout, far inside the window.
import type { EtcdRequest, RequestOp } from "../../core/mvcc/rpc.ts";
import type { EtcdOperation } from "../history.ts";
import type { CheckOf } from "../types.ts";
import { kvRequestOf } from "./store-reference.ts";

/** How long a committed value is remembered (virtual µs). */
export const WRITE_ONCE_WINDOW_US = 60_000_000;
const MAX_NOTED = 200;
const MAX_VIOLATIONS = 20;

export interface WriteOnceApply {
  index: number;
  payload: unknown;
  revision: number;
  time: number;
}

interface Committed {
  index: number;
  key: string;
  time: number;
}

interface Twice {
  value: string;
  key: string;
  first: Committed;
  second: Committed;
}

export class WriteOnce {
  private lastIndex = 0;
  private lastRevision = 1;
  private readonly recent = new Map<string, Committed>();
  /** The values of `recent` in commit order, oldest from `head` on. */
  private readonly order: string[] = [];
  private head = 0;
  private readonly noted: Twice[] = [];
  private readonly windowUs: number;
  entries = 0;

  constructor(opts: { windowUs?: number } = {}) {
    this.windowUs = opts.windowUs ?? WRITE_ONCE_WINDOW_US;
  }

  /** Every member's apply of every entry: only the first apply of each index is read. */
  onApply(e: WriteOnceApply): void {
    if (e.index <= this.lastIndex) return;
    this.lastIndex = e.index;
    const changed = e.revision !== this.lastRevision;
    this.lastRevision = e.revision;
    if (!changed) return;
    const request = kvRequestOf(e.payload);
    if (request === undefined) return;
    this.forget(e.time);
    this.entries++;
    forEachPut(request, (key, value) => {
      const seen = this.recent.get(value);
      if (seen === undefined) {
        const c = { index: e.index, key, time: e.time };
        this.recent.set(value, c);
        this.order.push(value);
      } else if (seen.index !== e.index && this.noted.length < MAX_NOTED) {
        this.noted.push({ value, key, first: seen, second: { index: e.index, key, time: e.time } });
      }
    });
  }

  private forget(now: number): void {
    while (this.head < this.order.length) {
      const v = this.order[this.head]!;
      const c = this.recent.get(v);
      if (c !== undefined && now - c.time <= this.windowUs) break;
      this.recent.delete(v);
      this.head++;
    }
    if (this.head > 4096 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
  }

  result(operations: Iterable<EtcdOperation>): CheckOf<"write-once"> {
    if (this.noted.length === 0)
      return {
        name: "write-once",
        verdict: "pass",
        message: `${this.entries} committed writes: no put value taken effect in two entries`,
      };
    const carriers = new Map<string, EtcdOperation[]>();
    for (const t of this.noted) carriers.set(t.value, []);
    for (const op of operations)
      forEachPut(op.request, (_key, value) => {
        const list = carriers.get(value);
        if (list !== undefined && !list.includes(op)) list.push(op);
      });
    const violations: string[] = [];
    let unjudged = 0;
    for (const t of this.noted) {
      const ops = carriers.get(t.value)!;
      if (ops.length !== 1) {
        unjudged++;
        continue;
      }
      if (violations.length >= MAX_VIOLATIONS) continue;
      const op = ops[0]!;
      const answer = op.return === null ? "no answer" : op.error !== undefined ? `answered ${op.error}` : "answered ok";
      violations.push(
        `client ${op.client}'s ${op.request.kind} (call ${(op.call / 1000).toFixed(1)} ms, ${answer}) took effect twice: its put of ${JSON.stringify(t.key)} = ${JSON.stringify(t.value).slice(0, 60)} was committed at index ${t.first.index} (${(t.first.time / 1000).toFixed(1)} ms) and again at index ${t.second.index} (${(t.second.time / 1000).toFixed(1)} ms)`,
      );
    }
    if (violations.length > 0)
      return {
        name: "write-once",
        verdict: "fail",
        message: `${violations[0]}${violations.length > 1 ? ` (and ${violations.length - 1} more)` : ""}: a request whose outcome is unknown may not be sent again as if it had failed (etcd PR #6691)`,
        evidence: { violations },
      };
    return {
      name: "write-once",
      verdict: "pass",
      message: `${this.entries} committed writes: no client's put value taken effect in two entries (${unjudged} values written by several requests, or by none recorded, not judged)`,
    };
  }
}

/** Every put with a value of its own (not ignore_value) in a request, Txn branches and nested Txns included. */
export function forEachPut(request: EtcdRequest, fn: (key: string, value: string) => void): void {
  if (request.kind === "put") {
    if (request.put.ignoreValue !== true) fn(request.put.key, request.put.value);
  } else if (request.kind === "txn") forEachPutOf(request.txn.success, request.txn.failure, fn);
}

function forEachPutOf(
  success: readonly RequestOp[],
  failure: readonly RequestOp[],
  fn: (key: string, value: string) => void,
): void {
  for (const ops of [success, failure])
    for (const op of ops) {
      if ("requestPut" in op) {
        if (op.requestPut.ignoreValue !== true) fn(op.requestPut.key, op.requestPut.value);
      } else if ("requestTxn" in op) forEachPutOf(op.requestTxn.success, op.requestTxn.failure, fn);
    }
}
